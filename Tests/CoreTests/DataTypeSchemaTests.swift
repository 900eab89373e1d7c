@testable import Core
import XCTest

final class DataTypeTests: XCTestCase {
    func testSQLNameAliases() {
        let table: [(String, DataType)] = [
            ("smallint", .smallint), ("int2", .smallint),
            ("int", .integer), ("integer", .integer), ("int4", .integer),
            ("bigint", .bigint), ("int8", .bigint),
            ("double", .double), ("double precision", .double), ("float8", .double),
            ("float", .double), ("real", .double), ("float4", .double),
            ("text", .text), ("varchar", .text), ("character varying", .text),
            ("char", .text), ("character", .text), ("string", .text),
            ("bool", .boolean), ("boolean", .boolean),
        ]
        for (name, type) in table {
            XCTAssertEqual(DataType(sqlName: name), type, name)
            XCTAssertEqual(DataType(sqlName: name.uppercased()), type, name.uppercased())
        }
        XCTAssertEqual(DataType(sqlName: "Double Precision"), .double)
        XCTAssertEqual(DataType(sqlName: "VECTOR"), .vector(dimensions: 0))
        XCTAssertNil(DataType(sqlName: "vector(3)"), "the parser reads the dimension")
        XCTAssertEqual(DataType(sqlName: "InTeGeR"), .integer)
    }

    func testUnknownNamesAreNil() {
        for name in ["", " ", "integerx", "int16", "number", "varchar2", "blob", "double  precision",
                     " int", "int ", "INT(4)", "varchar(10)", "jsonb_x", "ınt" /* dotless i */, "int\u{0}"] {
            XCTAssertNil(DataType(sqlName: name), "\(name.debugDescription) should be unknown")
        }
    }

    func testDescriptionIsPostgresSpelling() {
        XCTAssertEqual(DataType.smallint.description, "SMALLINT")
        XCTAssertEqual(DataType.integer.description, "INTEGER")
        XCTAssertEqual(DataType.bigint.description, "BIGINT")
        XCTAssertEqual(DataType.double.description, "DOUBLE PRECISION")
        XCTAssertEqual(DataType.text.description, "TEXT")
        XCTAssertEqual(DataType.boolean.description, "BOOLEAN")
        XCTAssertEqual(DataType.vector(dimensions: 3).description, "VECTOR(3)")
        XCTAssertEqual(DataType.vector(dimensions: 0).description, "VECTOR")
        XCTAssertTrue(DataType.vector(dimensions: 3).isVector)
        XCTAssertFalse(DataType.vector(dimensions: 3).isNumeric)
        XCTAssertNotEqual(DataType.vector(dimensions: 3), .vector(dimensions: 4))
        // The description parses back to the same type.
        for type: DataType in [.smallint, .integer, .bigint, .double, .text, .boolean] {
            XCTAssertEqual(DataType(sqlName: type.description), type)
        }
    }

    func testIntegerRange() {
        XCTAssertEqual(DataType.smallint.integerRange, -32768...32767)
        XCTAssertEqual(DataType.integer.integerRange, -2_147_483_648...2_147_483_647)
        XCTAssertEqual(DataType.bigint.integerRange, Int64.min...Int64.max)
        XCTAssertNil(DataType.double.integerRange)
        XCTAssertNil(DataType.text.integerRange)
        XCTAssertNil(DataType.boolean.integerRange)
        XCTAssertFalse(DataType.smallint.integerRange!.contains(32768))
        XCTAssertFalse(DataType.integer.integerRange!.contains(Int64(Int32.max) + 1))
        XCTAssertTrue(DataType.integer.integerRange!.contains(Int64(Int32.min)))
    }

    func testNumericPredicates() {
        XCTAssertTrue(DataType.smallint.isInteger)
        XCTAssertTrue(DataType.integer.isInteger)
        XCTAssertTrue(DataType.bigint.isInteger)
        XCTAssertFalse(DataType.double.isInteger)
        XCTAssertTrue(DataType.double.isNumeric)
        XCTAssertTrue(DataType.bigint.isNumeric)
        XCTAssertFalse(DataType.text.isNumeric)
        XCTAssertFalse(DataType.boolean.isNumeric)
        XCTAssertFalse(DataType.boolean.isInteger)
    }
}

final class SchemaTests: XCTestCase {
    private let columns = [
        ColumnSchema(name: "a", type: .integer, notNull: true),
        ColumnSchema(name: "b", type: .text),
        ColumnSchema(name: "c", type: .double, defaultValue: .double(1.5)),
    ]

    func testPrimaryKeyOfSingleColumn() {
        let schema = TableSchema(id: 1, name: "t", columns: columns, primaryKey: [1])
        let key = schema.primaryKeyOf([.integer(1), .text("x"), .null])
        XCTAssertEqual(key, RowKey(.text("x")))
        XCTAssertEqual(key?.values, [.text("x")])
        XCTAssertEqual(key?.description, "x")
    }

    func testPrimaryKeyOfCompositeKeyFollowsKeyOrderNotColumnOrder() {
        let schema = TableSchema(id: 1, name: "t", columns: columns, primaryKey: [2, 0])
        let key = schema.primaryKeyOf([.integer(7), .text("x"), .double(2.5)])
        XCTAssertEqual(key, RowKey([.double(2.5), .integer(7)]))
        XCTAssertEqual(key?.description, "(2.5, 7)")
        XCTAssertNotEqual(key, RowKey([.integer(7), .double(2.5)]))
    }

    func testPrimaryKeyOfWithoutKeyIsNil() {
        let schema = TableSchema(id: 1, name: "t", columns: columns, primaryKey: [])
        XCTAssertNil(schema.primaryKeyOf([.integer(1), .text("x"), .null]))
    }

    func testPrimaryKeyWithNullValue() {
        let schema = TableSchema(id: 1, name: "t", columns: columns, primaryKey: [0, 1])
        XCTAssertEqual(schema.primaryKeyOf([.integer(1), .null, .null]), RowKey([.integer(1), .null]))
        XCTAssertEqual(schema.primaryKeyOf([.integer(1), .null, .null])?.description, "(1, NULL)")
    }

    func testSingleAndOneElementArrayKeysAreTheSame() {
        XCTAssertEqual(RowKey(.integer(3)), RowKey([.integer(3)]))
        XCTAssertEqual(RowKey(.integer(3)).hashValue, RowKey([.integer(3)]).hashValue)
    }

    func testColumnIndex() {
        let schema = TableSchema(id: 9, name: "t", columns: columns, primaryKey: [0])
        XCTAssertEqual(schema.columnIndex("a"), 0)
        XCTAssertEqual(schema.columnIndex("c"), 2)
        XCTAssertNil(schema.columnIndex("A"))   // names are stored already normalised
        XCTAssertNil(schema.columnIndex("zz"))
        XCTAssertEqual(schema.columns[2].defaultValue, .double(1.5))
        XCTAssertNil(schema.columns[1].defaultValue)
        XCTAssertFalse(schema.columns[1].notNull)
    }
}

final class ClockTests: XCTestCase {
    func testSCNOrdering() {
        XCTAssertLessThan(SCN.zero, SCN(1))
        XCTAssertLessThan(SCN(1), SCN(2))
        XCTAssertLessThan(SCN(UInt64.max - 1), SCN(UInt64.max))
        XCTAssertFalse(SCN(5) < SCN(5))
        XCTAssertEqual(SCN(5), SCN(rawValue: 5))
        XCTAssertEqual(SCN.zero.rawValue, 0)
        XCTAssertEqual(SCN(41).next, SCN(42))
        XCTAssertEqual(SCN.zero.next.next, SCN(2))
        XCTAssertEqual(SCN(12).description, "12")
        XCTAssertEqual([SCN(3), SCN(1), SCN(2)].sorted(), [SCN(1), SCN(2), SCN(3)])
        XCTAssertEqual([SCN(3), SCN(10), SCN(2)].max(), SCN(10))
    }

    func testIdentifiers() {
        XCTAssertEqual(BranchID.main.rawValue, 1)
        XCTAssertEqual(BranchID.main.description, "1")
        XCTAssertLessThan(TransactionID(rawValue: 1), TransactionID(rawValue: 2))
        XCTAssertEqual(TransactionID(rawValue: 77).description, "77")
    }

    func testDatabaseErrorDescription() {
        struct Sample: DatabaseError {
            var sqlState: String { SQLState.uniqueViolation }
            var message: String { "dup" }
            var position: Int? { nil }
        }
        XCTAssertEqual(Sample().description, "23505: dup")
        XCTAssertEqual(SQLState.serializationFailure, "40001")
        XCTAssertEqual(SQLState.syntaxError, "42601")
        for code in [SQLState.syntaxError, SQLState.undefinedTable, SQLState.uniqueViolation,
                     SQLState.serializationFailure, SQLState.featureNotSupported, SQLState.internalError] {
            XCTAssertEqual(code.count, 5)
        }
    }
}
