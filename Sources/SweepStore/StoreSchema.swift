internal import GRDB
import SweepCore

/// The database schema, as migrations. Never edit a shipped migration: add a new one.
///
/// Tables are meant to be read with `sqlite3` too: configs and summaries are JSON text,
/// times are UTC text (`2026-11-22 02:13:59.123`), states are words.
enum StoreSchema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE sweeps (
                    id INTEGER PRIMARY KEY,
                    name TEXT NOT NULL UNIQUE,
                    workload TEXT NOT NULL,
                    spec_path TEXT NOT NULL,
                    spec_text TEXT NOT NULL,
                    -- hash of the spec's job keys: the same name with other jobs is another sweep
                    plan_hash TEXT NOT NULL,
                    created_at TEXT NOT NULL,
                    launched_at TEXT NOT NULL
                );
                CREATE TABLE jobs (
                    id INTEGER PRIMARY KEY,
                    key TEXT NOT NULL UNIQUE,
                    workload TEXT NOT NULL,
                    config TEXT NOT NULL,
                    seed INTEGER NOT NULL,
                    state TEXT NOT NULL DEFAULT 'pending'
                        CHECK (state IN ('pending', 'running', 'done', 'failed', 'cancelled')),
                    attempts INTEGER NOT NULL DEFAULT 0,
                    host TEXT,
                    created_at TEXT NOT NULL,
                    started_at TEXT,
                    finished_at TEXT,
                    error TEXT,
                    summary TEXT,
                    -- the attempt whose metrics count (the one that finished ok)
                    ok_attempt INTEGER
                );
                CREATE TABLE sweep_jobs (
                    sweep_id INTEGER NOT NULL REFERENCES sweeps(id) ON DELETE CASCADE,
                    job_id INTEGER NOT NULL REFERENCES jobs(id),
                    position INTEGER NOT NULL,
                    PRIMARY KEY (sweep_id, job_id)
                ) WITHOUT ROWID;
                CREATE INDEX sweep_jobs_by_job ON sweep_jobs(job_id);
                CREATE TABLE attempts (
                    job_id INTEGER NOT NULL REFERENCES jobs(id),
                    attempt INTEGER NOT NULL,
                    host TEXT NOT NULL,
                    status TEXT NOT NULL
                        CHECK (status IN ('running', 'ok', 'failed', 'cancelled', 'lost')),
                    started_at TEXT NOT NULL,
                    finished_at TEXT,
                    error TEXT,
                    stderr_tail TEXT,
                    signal INTEGER,
                    PRIMARY KEY (job_id, attempt)
                ) WITHOUT ROWID;
                CREATE TABLE metrics (
                    job_id INTEGER NOT NULL REFERENCES jobs(id),
                    attempt INTEGER NOT NULL,
                    epoch INTEGER NOT NULL,
                    name TEXT NOT NULL,
                    value REAL,
                    PRIMARY KEY (job_id, attempt, epoch, name)
                ) WITHOUT ROWID;
                CREATE TABLE logs (
                    id INTEGER PRIMARY KEY,
                    job_id INTEGER NOT NULL REFERENCES jobs(id),
                    attempt INTEGER NOT NULL,
                    at TEXT NOT NULL,
                    line TEXT NOT NULL
                );
                CREATE INDEX logs_by_job ON logs(job_id, attempt, id);
                CREATE TABLE hosts (
                    name TEXT PRIMARY KEY,
                    state TEXT NOT NULL,
                    detail TEXT,
                    binary_hash TEXT,
                    cores INTEGER,
                    slots INTEGER,
                    last_seen TEXT
                ) WITHOUT ROWID;
                CREATE TABLE events (
                    id INTEGER PRIMARY KEY,
                    at TEXT NOT NULL,
                    sweep_id INTEGER REFERENCES sweeps(id) ON DELETE SET NULL,
                    job_id INTEGER REFERENCES jobs(id),
                    host TEXT,
                    kind TEXT NOT NULL,
                    message TEXT NOT NULL
                );
                """)
        }
        migrator.registerMigration("v2-writer-lease") { db in
            // The coordinator holding the writer lock (see WriterLease): one row, replaced
            // by each new writer with the next fencing token.
            try db.execute(sql: """
                CREATE TABLE writer_lease (
                    id INTEGER PRIMARY KEY CHECK (id = 1),
                    token INTEGER NOT NULL,
                    pid INTEGER NOT NULL,
                    host TEXT NOT NULL,
                    sweep TEXT,
                    since TEXT NOT NULL
                );
                """)
        }
        migrator.registerMigration("v3-spec-revisions") { db in
            // Each spec text a sweep was launched with, numbered from 1: a sweep follows its
            // spec, so the text in `sweeps` is only the latest. Existing sweeps get theirs as 1.
            try db.execute(sql: """
                CREATE TABLE spec_revisions (
                    sweep_id INTEGER NOT NULL REFERENCES sweeps(id) ON DELETE CASCADE,
                    revision INTEGER NOT NULL,
                    spec_path TEXT NOT NULL,
                    spec_text TEXT NOT NULL,
                    plan_hash TEXT NOT NULL,
                    jobs INTEGER NOT NULL,
                    created_at TEXT NOT NULL,
                    PRIMARY KEY (sweep_id, revision)
                ) WITHOUT ROWID;
                INSERT INTO spec_revisions (sweep_id, revision, spec_path, spec_text, plan_hash, jobs, created_at)
                    SELECT id, 1, spec_path, spec_text, plan_hash,
                           (SELECT count(*) FROM sweep_jobs WHERE sweep_id = sweeps.id), launched_at FROM sweeps;
                """)
        }
        migrator.registerMigration("v4-provenance") { db in
            // What produced each attempt (the host's OS, CPU and cores, the sweep binary) and
            // the git commit each spec revision came from. Nullable: older rows do not know.
            try db.execute(sql: """
                ALTER TABLE attempts ADD COLUMN os TEXT;
                ALTER TABLE attempts ADD COLUMN cpu TEXT;
                ALTER TABLE attempts ADD COLUMN cores INTEGER;
                ALTER TABLE attempts ADD COLUMN sweep_version TEXT;
                ALTER TABLE attempts ADD COLUMN binary_hash TEXT;
                ALTER TABLE spec_revisions ADD COLUMN git_commit TEXT;
                ALTER TABLE spec_revisions ADD COLUMN git_dirty INTEGER;
                """)
        }
        migrator.registerMigration("v5-slurm-node") { db in
            // The Slurm node an attempt ran on (a Slurm worker's SLURMD_NODENAME), and a
            // Slurm worker's job id.
            try db.execute(sql: "ALTER TABLE attempts ADD COLUMN node TEXT; ALTER TABLE hosts ADD COLUMN slurm_job TEXT")
        }
        migrator.registerMigration("v6-ids-never-reused") { db in
            // Job and sweep ids are never given again after a delete (`rm --purge`): a new
            // job must not inherit a purged one's number, and so its `sweep-outputs/job-N`.
            // SQLite adds AUTOINCREMENT only to a new table: each is copied, rows and ids
            // unchanged, and the sequence starts at the largest id. The tables that refer
            // to them name them, so they refer to the copies (foreign keys are off during
            // a migration, and checked after it).
            try db.execute(sql: """
                CREATE TABLE new_sweeps (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    name TEXT NOT NULL UNIQUE,
                    workload TEXT NOT NULL,
                    spec_path TEXT NOT NULL,
                    spec_text TEXT NOT NULL,
                    plan_hash TEXT NOT NULL,
                    created_at TEXT NOT NULL,
                    launched_at TEXT NOT NULL
                );
                INSERT INTO new_sweeps (id, name, workload, spec_path, spec_text, plan_hash, created_at, launched_at)
                    SELECT id, name, workload, spec_path, spec_text, plan_hash, created_at, launched_at FROM sweeps;
                DROP TABLE sweeps;
                ALTER TABLE new_sweeps RENAME TO sweeps;
                CREATE TABLE new_jobs (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    key TEXT NOT NULL UNIQUE,
                    workload TEXT NOT NULL,
                    config TEXT NOT NULL,
                    seed INTEGER NOT NULL,
                    state TEXT NOT NULL DEFAULT 'pending'
                        CHECK (state IN ('pending', 'running', 'done', 'failed', 'cancelled', 'stopped')),
                    attempts INTEGER NOT NULL DEFAULT 0,
                    host TEXT,
                    created_at TEXT NOT NULL,
                    started_at TEXT,
                    finished_at TEXT,
                    error TEXT,
                    summary TEXT,
                    ok_attempt INTEGER
                );
                INSERT INTO new_jobs (id, key, workload, config, seed, state, attempts, host, created_at, started_at,
                                      finished_at, error, summary, ok_attempt)
                    SELECT id, key, workload, config, seed, state, attempts, host, created_at, started_at,
                           finished_at, error, summary, ok_attempt FROM jobs;
                DROP TABLE jobs;
                ALTER TABLE new_jobs RENAME TO jobs;
                """)
        }
        migrator.registerMigration("v7-stop-decisions") { db in
            // Which sweep's stop rule ended a job, at which attempt and epoch, and why: a stop
            // is a decision about that sweep, so another sweep sharing the job (same key)
            // without a stop rule runs it to the end (`Store.settleStopped`). A job stopped
            // before v7 is taken as stopped by every sweep it is in (which sweep decided was
            // not recorded, `rule` and `epoch` null), so old stores behave as they did.
            try db.execute(sql: """
                CREATE TABLE stop_decisions (
                    sweep_id INTEGER NOT NULL REFERENCES sweeps(id) ON DELETE CASCADE,
                    job_id INTEGER NOT NULL REFERENCES jobs(id),
                    attempt INTEGER NOT NULL,
                    rule TEXT,
                    epoch INTEGER,
                    reason TEXT NOT NULL,
                    decided_at TEXT NOT NULL,
                    PRIMARY KEY (sweep_id, job_id)
                ) WITHOUT ROWID;
                CREATE INDEX stop_decisions_by_job ON stop_decisions(job_id);
                INSERT INTO stop_decisions (sweep_id, job_id, attempt, rule, epoch, reason, decided_at)
                    SELECT sj.sweep_id, j.id, j.ok_attempt, NULL, NULL, coalesce(j.error, 'stopped'),
                           coalesce(j.finished_at, j.created_at)
                    FROM jobs j JOIN sweep_jobs sj ON sj.job_id = j.id
                    WHERE j.state = 'stopped' AND j.ok_attempt IS NOT NULL;
                """)
        }
        migrator.registerMigration("v8-trials") { db in
            // A model-based search's trials, numbered from 0 per sweep: the job each became
            // (several trials may share one: the same config proposed twice runs once), the
            // sampler's seed, and what the proposal was made from (random startup, or the
            // model's split). The sweep's plan_hash then names the search, not a job list.
            try db.execute(sql: """
                CREATE TABLE trials (
                    sweep_id INTEGER NOT NULL REFERENCES sweeps(id) ON DELETE CASCADE,
                    number INTEGER NOT NULL,
                    job_id INTEGER NOT NULL REFERENCES jobs(id),
                    sampler_seed INTEGER NOT NULL,
                    proposed_from TEXT NOT NULL,
                    created_at TEXT NOT NULL,
                    PRIMARY KEY (sweep_id, number)
                ) WITHOUT ROWID;
                CREATE INDEX trials_by_job ON trials(job_id);
                """)
        }
        migrator.registerMigration("v9-search-settings") { db in
            // The sampler settings a model-based search's trials were proposed with (JSON:
            // startup, candidates, prior weight, multivariate), stored with its first trial,
            // so a later sweep whose defaults differ resumes it as it began. A search with
            // trials and no row predates this: its trials were proposed univariate.
            try db.execute(sql: """
                CREATE TABLE search_settings (
                    sweep_id INTEGER PRIMARY KEY REFERENCES sweeps(id) ON DELETE CASCADE,
                    settings TEXT NOT NULL,
                    recorded_at TEXT NOT NULL
                );
                """)
        }
        migrator.registerMigration("v10-placement") { db in
            // What ran an attempt, and what a host's worker runs in, as any host kind says
            // it: {kind, id, node} (`Placement`). v5 kept only a Slurm worker's job id (on the
            // host) and node (on the attempt): they become placements of kind slurm. Which
            // of a worker's Slurm jobs ran an old attempt was never recorded (the host kept
            // only its last), so an old attempt's id stays unknown. `slurm_job` stays, unused.
            try db.execute(sql: """
                ALTER TABLE attempts ADD COLUMN placement_kind TEXT;
                ALTER TABLE attempts ADD COLUMN placement_id TEXT;
                ALTER TABLE hosts ADD COLUMN placement_kind TEXT;
                ALTER TABLE hosts ADD COLUMN placement_id TEXT;
                ALTER TABLE hosts ADD COLUMN node TEXT;
                UPDATE attempts SET placement_kind = '\(legacyPlacementKind)' WHERE node IS NOT NULL;
                UPDATE hosts SET placement_kind = '\(legacyPlacementKind)', placement_id = slurm_job WHERE slurm_job IS NOT NULL;
                """)
        }
        return migrator
    }

    /// The only kind v5 to v9 recorded a placement of (`slurm_job`, `node`): they knew no other.
    static let legacyPlacementKind = "slurm"

    /// A placement from a row: its v10 columns, or in a database a reader opens unmigrated,
    /// what v5 kept (a node, a host's `legacyID`), which only Slurm workers had.
    static func placement(kind: String?, id: String?, node: String?, legacyID: String?) -> Placement? {
        if let kind { return Placement(kind: kind, id: id, node: node) }
        guard node != nil || legacyID != nil else { return nil }
        return Placement(kind: legacyPlacementKind, id: legacyID, node: node)
    }
}
