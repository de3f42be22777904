#if canImport(Glibc)
import Glibc
#endif
import Foundation
internal import GRDB
internal import GRDBSQLite
import SweepCore

/// The sweep database: one SQLite file in WAL mode, written only by the coordinator.
///
/// Each method that changes state is one transaction, so a coordinator killed at any
/// point leaves a consistent database. Readers (`sweep status`, `sweep report`) may
/// open it while a coordinator runs, and may open a database they can only read.
/// SQLite and GRDB stay inside: every method throws `StoreError` only.
public final class Store: Sendable {
    /// A `DatabasePool` (WAL) for the writer, a read-only `DatabaseQueue` for readers.
    private let database: any DatabaseWriter
    /// The writer's lock on the database file; nil for readers. Held as long as the store.
    private let lock: WriterLock?
    /// The writer's fencing token, checked by every write (see `WriterLease`).
    private let token: Int64?
    public let path: String

    /// Opens (creating if needed) the database at `path` as its one writer and brings its
    /// schema up to date, or, with `readOnly`, opens it for reading only.
    ///
    /// A writer takes the database's writer lock first (see `WriterLock`) and records
    /// itself as the holder (`writer()`), for the life of the store: every read-write
    /// store is the only writer of its file, whatever path it was opened by.
    ///
    /// A reader writes nothing, not even SQLite's `-wal`/`-shm` files when no writer runs
    /// and no log is left (it opens the file as immutable then), so it works on a file
    /// and folder the user can only read.
    ///
    /// - Parameters:
    ///   - readOnly: open without locking, migrating or writing; the file must exist.
    ///   - sweep: for a writer, the sweep it runs, shown to other commands.
    /// - Throws: `StoreError` naming the file: `.locked` (naming the holder) when another
    ///   writer holds it, `.notFound`, `.cannotOpen`, `.notASweepDatabase`, `.newerVersion`.
    public init(path: String, readOnly: Bool = false, coordinating sweep: String? = nil) throws(StoreError) {
        self.path = path
        do {
            (database, lock, token) = try readOnly ? Self.openForReading(path) : Self.openForWriting(path, sweep: sweep)
        } catch {
            throw Self.storeError(error, path: path, opening: true)
        }
    }

    private static func openForReading(_ path: String) throws -> (any DatabaseWriter, WriterLock?, Int64?) {
        guard FileManager.default.fileExists(atPath: path) else {
            throw StoreError(.notFound, "no sweep database at \(path) (launch a sweep first, or pass --db PATH)")
        }
        let database = try openReader(path)
        let migrator = StoreSchema.migrator
        try checkVersion(database, migrator: migrator, path: path)
        // A database of an older sweep, not migrated yet, reads as well (its writer lease is unknown).
        guard try database.read({ try migrator.completedMigrations($0).contains("v1") }) else {
            throw StoreError(.notASweepDatabase, "\(path) is not a sweep database (or is still being created)")
        }
        return (database, nil, nil)
    }

    private static func openForWriting(_ path: String, sweep: String?) throws -> (any DatabaseWriter, WriterLock?, Int64?) {
        let lock: WriterLock
        do {
            lock = try WriterLock(databasePath: path)
        } catch {
            guard error.kind == .locked else { throw error }
            let holder = writer(databasePath: path).map { " (\($0))" } ?? ""
            throw StoreError(.locked, "another sweep coordinator\(holder) is writing to \(path); wait for it, "
                + "stop it (sweep cancel), or use another --db")
        }
        let database = try openWriter(path)
        let migrator = StoreSchema.migrator
        try checkVersion(database, migrator: migrator, path: path)
        try migrator.migrate(database)
        let token = try database.write { db in try takeLease(db, sweep: sweep) }
        return (database, lock, token)
    }

    private static func openWriter(_ path: String) throws -> DatabasePool {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.label = "sweep-store"
        // WAL with synchronous=NORMAL: a commit survives the coordinator being killed; a
        // power cut may drop the last commits but never corrupts the file, and the jobs
        // they recorded simply run again. FULL would fsync every job's start and end.
        configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = NORMAL") }
        return try DatabasePool(path: path, configuration: configuration)
    }

    /// A read-only connection that creates no file. With no writer running and no
    /// write-ahead log left, the main file is the whole database and `immutable=1` makes
    /// SQLite read it without locks, `-wal` or `-shm` (a plain read-only open of a WAL
    /// database creates both, which fails in a read-only folder). Otherwise (a writer runs,
    /// or one died and left its log) the log must be read, so the open is a plain read-only
    /// one over the files the writer made.
    private static func openReader(_ path: String) throws -> DatabaseQueue {
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(10)
        configuration.label = "sweep-store-reader"
        let logSize = (try? FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int) ?? 0
        if logSize == 0, !WriterLock.isHeld(databasePath: path), sqlite3_compileoption_used("USE_URI") != 0 {
            return try DatabaseQueue(path: immutableURI(path), configuration: configuration)
        }
        return try DatabaseQueue(path: path, configuration: configuration)
    }

    /// `file:/abs/path?immutable=1`, with the characters URIs reserve escaped.
    private static func immutableURI(_ path: String) -> String {
        let absolute = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "?#%&=;")
        return "file:" + (absolute.addingPercentEncoding(withAllowedCharacters: allowed) ?? absolute) + "?immutable=1"
    }

    private static func checkVersion(_ database: any DatabaseReader, migrator: DatabaseMigrator, path: String) throws {
        if try database.read({ try migrator.hasBeenSuperseded($0) }) {
            throw StoreError(.newerVersion, "\(path) was written by a newer version of sweep; use that version to open it")
        }
    }

    // MARK: Transactions

    /// One read transaction; errors become `StoreError`s naming the file.
    func read<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        do { return try database.read(body) } catch { throw Self.storeError(error, path: path) }
    }

    /// One write transaction, refused if another writer took the lease over.
    func write<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        do {
            return try database.write { db in
                if let token { try Self.checkLease(db, token: token, path: path) }
                return try body(db)
            }
        } catch {
            throw Self.storeError(error, path: path)
        }
    }

    private static func storeError(_ error: any Error, path: String, opening: Bool = false) -> StoreError {
        switch error {
        case let error as StoreError:
            return error
        case let error as DatabaseError:
            let reason = error.message ?? "\(error.resultCode)"
            switch error.resultCode.primaryResultCode {
            case .SQLITE_CANTOPEN, .SQLITE_PERM, .SQLITE_AUTH:
                return StoreError(.cannotOpen, "cannot open the database \(path): \(reason)")
            case .SQLITE_NOTADB:
                return StoreError(.notASweepDatabase, "\(path) is not a sweep database: \(reason)")
            default:
                return StoreError(.database, (opening ? "cannot open the database \(path): " : "database \(path): ") + reason)
            }
        default:
            return StoreError(.database, "database \(path): \(error)")
        }
    }

    // MARK: The writer lease

    /// Records this process as the writer with the next fencing token; returns the token.
    private static func takeLease(_ db: Database, sweep: String?) throws -> Int64 {
        let last = try Int64.fetchOne(db, sql: "SELECT token FROM writer_lease WHERE id = 1") ?? 0
        let record = WriterLeaseRecord(token: last + 1, pid: Int64(getpid()), host: ProcessInfo.processInfo.hostName,
                                       sweep: sweep, since: Date())
        try record.save(db)
        return record.token
    }

    private static func checkLease(_ db: Database, token: Int64, path: String) throws {
        // Every write pays this: one cached statement, the record only when it differs.
        let statement = try db.cachedStatement(sql: "SELECT token FROM writer_lease WHERE id = 1")
        guard try Int64.fetchOne(statement) != token, let current = try WriterLeaseRecord.fetchOne(db, key: 1) else { return }
        throw StoreError(.leaseLost, "another coordinator (\(current.lease)) took \(path) over; this one stops writing")
    }

    /// The coordinator writing to the database at `databasePath` now, or nil when none
    /// runs (none started, or it stopped or died: the lock goes with the process).
    /// Needs only read access.
    public static func writer(databasePath: String) -> WriterLease? {
        guard WriterLock.isHeld(databasePath: databasePath) else { return nil }
        var lease = WriterLease(pid: nil, host: nil, sweep: nil, since: nil, token: 0)
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(2)
        if let queue = try? DatabaseQueue(path: databasePath, configuration: configuration),
           let record = try? queue.read({ try WriterLeaseRecord.fetchOne($0, key: 1) }) {
            lease = record.lease
            // The holder may not have recorded itself yet: a row naming a dead process on
            // this host is its predecessor's.
            if record.host == ProcessInfo.processInfo.hostName, let pid = lease.pid, kill(pid, 0) != 0, errno == ESRCH {
                lease = WriterLease(pid: nil, host: nil, sweep: nil, since: nil, token: record.token)
            }
        }
        return lease
    }

    /// `Store.writer(databasePath:)` for this store's file.
    public func writer() -> WriterLease? { Self.writer(databasePath: path) }

    /// `PRAGMA integrity_check`: "ok" for a sound file.
    public func integrityCheck() throws(StoreError) -> String {
        try read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check").joined(separator: "\n") }
    }
}
