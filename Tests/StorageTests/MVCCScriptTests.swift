import XCTest

/// Snapshot-isolation behaviour as golden scripts, one anomaly per test
/// (see `StorageScript` for the language).
final class MVCCScriptTests: XCTestCase {
    private func run(_ script: String, file: StaticString = #filePath, line: UInt = #line) throws {
        var runner = try StorageScript()
        runner.run(script, file: file, line: line)
    }

    /// Uncommitted writes are invisible to other transactions, before and after
    /// the writer rolls back.
    func testDirtyReadPrevented() throws {
        try run("""
        s: begin
        s: insert 1 a
        s: commit => scn 2          # SCN 1 created the table
        t1: begin
        t1: update 1 dirty
        t1: insert 2 new
        t1: delete 1
        t2: begin
        t2: get 1 => a
        t2: get 2 => none
        t2: scan => 1=a
        t1: rollback
        t3: begin
        t3: scan => 1=a
        t2: commit => readonly
        t3: commit => readonly
        """)
    }

    /// A reader keeps its snapshot while another transaction commits.
    func testNonRepeatableReadPrevented() throws {
        try run("""
        s: begin
        s: insert 1 a
        s: insert 2 b
        s: commit
        r: begin
        r: get 1 => a
        w: begin
        w: update 1 changed
        w: delete 2
        w: insert 3 c
        w: commit
        r: get 1 => a                 # still the old version
        r: get 2 => b                 # still there
        r: scan => 1=a 2=b
        r: commit => readonly
        n: begin
        n: scan => 1=changed 3=c
        """)
    }

    /// Two transactions update the same key: first committer wins, the second gets
    /// 40001 and none of its writes (on any key) are applied.
    func testLostUpdatePrevented() throws {
        try run("""
        s: begin
        s: insert 1 0
        s: commit
        t1: begin
        t2: begin
        t1: get 1 => 0
        t2: get 1 => 0
        t1: update 1 t1
        t2: update 1 t2
        t2: insert 50 side-effect     # another key in the losing transaction
        t1: commit => scn 3
        t2: commit => 40001
        check: => 3
        r: begin
        r: get 1 => t1
        r: get 50 => none
        r: scan => 1=t1
        """)
    }

    /// The conflict is detected whatever the kinds of the two writes are.
    func testWriteWriteConflictsOfEveryKind() throws {
        try run("""
        s: begin
        s: insert 1 a
        s: insert 2 b
        s: insert 3 c
        s: commit
        # update vs delete
        a1: begin
        a2: begin
        a1: delete 1
        a2: update 1 x
        a1: commit
        a2: commit => 40001
        # delete vs update, other order
        b1: begin
        b2: begin
        b1: update 2 y
        b2: delete 2
        b1: commit
        b2: commit => 40001
        # insert vs insert of the same new key: neither sees the other, the second loses
        c1: begin
        c2: begin
        c1: insert 9 first
        c2: insert 9 second
        c1: commit
        c2: commit => 40001
        # delete vs delete
        d1: begin
        d2: begin
        d1: delete 3
        d2: delete 3
        d1: commit
        d2: commit => 40001
        # writes to different keys never conflict
        e1: begin
        e2: begin
        e1: insert 20 e1
        e2: insert 21 e2
        e2: commit
        e1: commit
        r: begin
        r: scan => 2=y 9=first 20=e1 21=e2
        """)
    }

    /// A conflict is judged against the snapshot, not against what was read: a
    /// transaction that began after the other committed may overwrite freely.
    func testNoConflictWithCommitsBeforeTheSnapshot() throws {
        try run("""
        s: begin
        s: insert 1 a
        s: commit
        t1: begin
        t1: update 1 b
        t1: commit
        t2: begin
        t2: update 1 c
        t2: commit
        r: begin
        r: get 1 => c
        """)
    }

    /// Write skew is ALLOWED under snapshot isolation: two transactions each read
    /// both keys, each writes a different one, and both commit. (The constraint
    /// "at least one doctor on call" is broken.) This documents the isolation level;
    /// serializable isolation would abort one of them.
    func testWriteSkewIsAllowed() throws {
        try run("""
        s: begin
        s: insert 1 oncall
        s: insert 2 oncall
        s: commit
        t1: begin
        t2: begin
        t1: scan => 1=oncall 2=oncall
        t2: scan => 1=oncall 2=oncall
        t1: update 1 off
        t2: update 2 off
        t1: commit
        t2: commit                     # no error: disjoint write sets
        r: begin
        r: scan => 1=off 2=off
        """)
    }

    /// Rows inserted (or deleted) by a later commit do not appear in (or vanish from)
    /// a scan inside an older snapshot.
    func testPhantomPrevented() throws {
        try run("""
        s: begin
        s: insert 1 a
        s: insert 5 e
        s: commit
        r: begin
        r: scan => 1=a 5=e
        w: begin
        w: insert 2 b
        w: insert 3 c
        w: delete 5
        w: commit
        r: scan => 1=a 5=e
        r: get 2 => none
        r: get 5 => e
        w2: begin
        w2: insert 4 d
        w2: commit
        r: scan => 1=a 5=e
        n: begin
        n: scan => 1=a 2=b 3=c 4=d
        """)
    }

    func testReadYourOwnWrites() throws {
        try run("""
        s: begin
        s: insert 1 a
        s: insert 2 b
        s: commit
        t: begin
        t: get 1 => a
        t: insert 3 c
        t: get 3 => c
        t: update 1 a2
        t: get 1 => a2
        t: update 1 a3
        t: get 1 => a3
        t: delete 2
        t: get 2 => none
        t: scan => 1=a3 3=c
        t: update 3 c2
        t: scan => 1=a3 3=c2
        t: commit
        r: begin
        r: scan => 1=a3 3=c2
        """)
    }

    func testDeleteThenReinsertSameKeyInOneTransaction() throws {
        try run("""
        s: begin
        s: insert 1 old
        s: commit
        t: begin
        t: delete 1
        t: get 1 => none
        t: scan => -
        t: insert 1 new
        t: get 1 => new
        t: scan => 1=new
        t: delete 1
        t: insert 1 newer
        t: scan => 1=newer
        other: begin
        other: get 1 => old
        t: commit
        other: get 1 => old
        r: begin
        r: scan => 1=newer
        """)
    }

    func testInsertDuplicatePrimaryKey() throws {
        try run("""
        s: begin
        s: insert 1 a
        s: commit
        t: begin
        t: insert 1 dup => 23505          # committed row
        t: insert 2 b
        t: insert 2 again => 23505        # own uncommitted row
        t: get 1 => a                     # the failed inserts changed nothing
        t: get 2 => b
        t: delete 2
        t: insert 2 fine                  # a deleted key may be reused
        t: commit
        r: begin
        r: scan => 1=a 2=fine
        """)
    }

    /// An UPDATE that changes the primary key moves the row; the new key must not be taken.
    func testUpdateChangingPrimaryKey() throws {
        try run("""
        s: begin
        s: insert 1 a
        s: insert 2 b
        s: commit
        t: begin
        t: rekey 1 10 a-moved
        t: get 1 => none
        t: get 10 => a-moved
        t: scan => 2=b 10=a-moved
        t: rekey 10 2 clash => 23505      # 2 is taken
        t: scan => 2=b 10=a-moved         # and the failed move changed nothing
        t: insert 1 reuse                 # the old key is free again
        t: rekey 10 11 again
        t: rekey 11 10 back
        t: scan => 1=reuse 2=b 10=back
        o: begin
        o: scan => 1=a 2=b
        t: commit
        o: scan => 1=a 2=b
        r: begin
        r: scan => 1=reuse 2=b 10=back
        """)
    }

    /// Moving a row to a key another transaction has taken meanwhile conflicts at commit.
    func testUpdateChangingPrimaryKeyConflicts() throws {
        try run("""
        s: begin
        s: insert 1 a
        s: commit
        t1: begin
        t2: begin
        t2: insert 7 other
        t2: commit
        t1: rekey 1 7 moved               # 7 is invisible to t1's snapshot
        t1: commit => 40001
        r: begin
        r: scan => 1=a 7=other
        """)
    }

    func testRollbackDiscardsEverything() throws {
        try run("""
        s: begin
        s: insert 1 a
        s: commit
        t: begin
        t: insert 2 b
        t: update 1 changed
        t: rekey 1 3 moved
        t: delete 2
        t: rollback
        check: => 2
        r: begin
        r: scan => 1=a
        """)
    }

    func testSavepoints() throws {
        try run("""
        s: begin
        s: insert 1 a
        s: commit
        t: begin
        t: insert 2 b
        t: mark sp1
        t: insert 3 c
        t: update 1 a2
        t: mark sp2
        t: delete 2
        t: scan => 1=a2 3=c
        t: rollbackto sp2
        t: scan => 1=a2 2=b 3=c
        t: rollbackto sp1
        t: scan => 1=a 2=b
        t: rollbackto sp2                 # a later mark can still be restored
        t: scan => 1=a2 2=b 3=c
        t: rollbackto sp1
        t: insert 3 c-again               # keys freed by the rollback may be reused
        t: commit
        r: begin
        r: scan => 1=a 2=b 3=c-again
        """)
    }

    /// A failed statement rolls back to the mark taken before it; the transaction
    /// then commits the rest.
    func testSavepointAroundFailedStatement() throws {
        try run("""
        s: begin
        s: insert 1 a
        s: commit
        t: begin
        t: mark before
        t: insert 5 e
        t: insert 1 dup => 23505
        t: rollbackto before
        t: insert 6 f
        t: commit
        r: begin
        r: scan => 1=a 6=f
        """)
    }

    /// Rolling back to a mark taken before any write leaves a read-only transaction.
    func testSavepointBackToEmptyIsReadOnly() throws {
        try run("""
        t: begin
        t: mark start
        t: insert 1 a
        t: rollbackto start
        t: scan => -
        t: commit => readonly
        check: => 1
        """)
    }

    func testReadOnlyCommitDoesNotAdvanceSCN() throws {
        try run("""
        check: => 1
        t: begin
        t: scan => -
        t: get 1 => none
        t: commit => readonly
        check: => 1
        w: begin
        w: insert 1 a
        w: commit => scn 2
        r: begin
        r: get 1 => a
        r: commit => readonly
        check: => 2
        """)
    }
}
