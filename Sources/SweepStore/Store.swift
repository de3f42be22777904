#if canImport(Glibc)
import Glibc
#endif
import Foundation
internal import GRDB
internal import GRDBSQLite
import SweepCore

/// The sweep database, read: one SQLite file in WAL mode, written only by the coordinator
/// (`StoreWriter`). `status`, `list`, `logs`, `report` and `sweep serve` hold only this.
///
/// Readers may open the database while a coordinator runs, and may open a database they
/// can only read: a reader writes nothing, not even SQLite's `-wal`/`-shm` files when no
/// writer runs and no log is left (it opens the file as immutable then).
/// SQLite and GRDB stay inside: every method throws `StoreError` only.
///
/// `@unchecked Sendable` because the class is not final (`StoreWriter` is a reader too): its
/// stored properties, and the writer's, are `let`s of Sendable values (GRDB's database
/// connections serialise their own access).
public class StoreReader: @unchecked Sendable {
    /// A read-only `DatabaseQueue` for a reader, the writer's `DatabasePool` (WAL) for a writer.
    private let database: any DatabaseReader
    public let path: String

    /// Opens the database at `path` for reading only: without locking, migrating or
    /// writing; the file must exist.
    /// - Throws: `StoreError` naming the file: `.notFound`, `.cannotOpen`,
    ///   `.notASweepDatabase`, `.newerVersion`.
    public init(path: String) throws(StoreError) {
        self.path = path
        do {
            database = try Self.openForReading(path)
        } catch {
            throw Self.storeError(error, path: path, opening: true)
        }
    }

    /// A store over an open database (`StoreWriter`'s).
    init(path: String, database: any DatabaseReader) {
        self.path = path
        self.database = database
    }

    private static func openForReading(_ path: String) throws -> any DatabaseReader {
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
        return database
    }

    fileprivate static func openForWriting(_ path: String, sweep: String?) throws -> (DatabasePool, WriterLock, Int64) {
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

    static func storeError(_ error: any Error, path: String, opening: Bool = false) -> StoreError {
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
    fileprivate static func takeLease(_ db: Database, sweep: String?) throws -> Int64 {
        let last = try Int64.fetchOne(db, sql: "SELECT token FROM writer_lease WHERE id = 1") ?? 0
        let record = WriterLeaseRecord(token: last + 1, pid: Int64(getpid()), host: ProcessInfo.processInfo.hostName,
                                       sweep: sweep, since: Date())
        try record.save(db)
        return record.token
    }

    fileprivate static func checkLease(_ db: Database, token: Int64, path: String) throws {
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

    /// `StoreReader.writer(databasePath:)` for this store's file.
    public func writer() -> WriterLease? { Self.writer(databasePath: path) }

    /// `PRAGMA integrity_check`: "ok" for a sound file.
    public func integrityCheck() throws(StoreError) -> String {
        try read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check").joined(separator: "\n") }
    }
}

/// The sweep database's one writer (the coordinator's, and `sweep remove`'s): a reader that
/// also changes state, each change one transaction, so a coordinator killed at any point
/// leaves a consistent database.
public final class StoreWriter: StoreReader, @unchecked Sendable {
    /// The same `DatabasePool` the reader side reads through.
    private let writer: DatabasePool
    /// The lock on the database file, held as long as the store.
    private let lock: WriterLock
    /// The fencing token, checked by every write (see `WriterLease`).
    private let token: Int64

    /// Opens (creating if needed) the database at `path` as its one writer and brings its
    /// schema up to date.
    ///
    /// It takes the database's writer lock first (see `WriterLock`) and records itself as
    /// the holder (`writer()`), for the life of the store: every `StoreWriter` is the only
    /// writer of its file, whatever path it was opened by.
    ///
    /// - Parameter sweep: the sweep it runs, shown to other commands.
    /// - Throws: `StoreError` naming the file: `.locked` (naming the holder) when another
    ///   writer holds it, `.cannotOpen`, `.notASweepDatabase`, `.newerVersion`.
    public init(path: String, coordinating sweep: String? = nil) throws(StoreError) {
        let opened: (DatabasePool, WriterLock, Int64)
        do {
            opened = try StoreReader.openForWriting(path, sweep: sweep)
        } catch {
            throw StoreReader.storeError(error, path: path, opening: true)
        }
        (writer, lock, token) = opened
        super.init(path: path, database: opened.0)
    }

    /// One write transaction, refused if another writer took the lease over.
    func write<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        do {
            return try writer.write { db in
                try Self.checkLease(db, token: token, path: path)
                return try body(db)
            }
        } catch {
            throw Self.storeError(error, path: path)
        }
    }
}
