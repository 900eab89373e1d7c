import Engine
import Foundation
import Storage

/// `heliosd import FILE`: a HeliosDB Nano SQL dump into a data directory,
/// without a server (which must not be running on it: the directory is
/// locked). The import is one transaction; a checkpoint follows, so the
/// next start reads the rows without replaying the log.
public enum DumpImporter {
    /// Returns the report as JSON, the same object `POST /v1/import` answers.
    public static func run(dump: String, dataDirectory: String, branch: String,
                           sync: SyncMode) throws(ServiceError) -> String {
        let existed = FileManager.default.fileExists(atPath: dataDirectory)
        let store: MemoryStore
        do { (store, _) = try MemoryStore.open(directory: dataDirectory, sync: sync) } catch { throw ServiceError(error) }
        let database = Database(storage: store)
        let report: NanoImportReport
        do {
            report = try database.importNanoDump(dump, branch: branch)
        } catch {
            // A directory this import created holds nothing: it goes again.
            if !existed { try? FileManager.default.removeItem(atPath: dataDirectory) }
            throw ServiceError(error)
        }
        store.flush()
        do { _ = try store.checkpoint() } catch { throw ServiceError(error) }
        return HeliosService.importJSON(report).jsonText
    }
}
