import Foundation
import SweepCore
import SweepStore
import Testing

/// The probe's metric at `epoch`, computed here independently of the workload's code.
func expectedProbeMetric(_ name: String, value: Double, seed: Int, epoch: Int) -> Double {
    let e = Double(epoch)
    return name == "loss" ? value / e + Double(seed) / 100 : e / (e + abs(value) + 1)
}

/// Every job of the sweep is done exactly once, its ok attempt has exactly the probe's
/// metrics with the predicted values, and the database is sound.
func expectProbeSweepComplete(database: String, sweep name: String, jobs: Int, epochs: Int,
                              sourceLocation: Testing.SourceLocation = #_sourceLocation) throws {
    let store = try StoreReader(path: database)
    #expect(try store.integrityCheck() == "ok", sourceLocation: sourceLocation)
    let sweep = try #require(try store.sweep(named: name), sourceLocation: sourceLocation)
    let stored = try store.jobs(of: sweep.id)
    #expect(stored.count == jobs, sourceLocation: sourceLocation)
    for job in stored {
        #expect(job.state == .done, "job \(job.id) is \(job.state)", sourceLocation: sourceLocation)
        let attempts = try store.attempts(of: job.id)
        #expect(attempts.filter { $0.status == .ok }.count == 1, "job \(job.id) attempts \(attempts.map(\.status))",
                sourceLocation: sourceLocation)
        let ok = try #require(job.okAttempt, sourceLocation: sourceLocation)
        let rows = try store.metrics(of: job.id).filter { $0.attempt == ok }
        #expect(rows.count == epochs * 2, "job \(job.id) has \(rows.count) metric rows", sourceLocation: sourceLocation)
        let keys = Set(rows.map { "\($0.epoch)/\($0.name)" })
        #expect(keys.count == rows.count, sourceLocation: sourceLocation)
        for row in rows {
            let expected = expectedProbeMetric(row.name, value: job.config.double("value"),
                                               seed: job.config.int("seed"), epoch: row.epoch)
            #expect(abs(row.value - expected) < 1e-12, sourceLocation: sourceLocation)
        }
    }
}

@Suite(.serialized) struct LocalSweepTests {
    @Test func aSweepRunsEveryJobOnTheLocalWorkerAndRecordsItsMetrics() throws {
        let sandbox = try SweepSandbox()
        try sandbox.write("probe.json", """
            {"name": "p", "workload": "probe", "base": {"epochs": 4},
             "grid": {"value": [0.5, 1, 2]}, "seeds": 2}
            """)
        let dry = try sandbox.run(["launch", "probe.json", "--dry-run"])
        #expect(dry.status == 0)
        #expect(dry.stdout.contains("6 jobs = 3 configs x 2 seeds"))
        #expect(!FileManager.default.fileExists(atPath: sandbox.database), "a dry run writes nothing")

        let run = try sandbox.run(["launch", "probe.json", "--local-slots", "2"])
        #expect(run.status == 0, "\(run.stdout)\n\(run.stderr)")
        #expect(run.stdout.contains("sweep p: 6 done, 0 failed"))
        try expectProbeSweepComplete(database: sandbox.database, sweep: "p", jobs: 6, epochs: 4)
        #expect(sandbox.waitForNoLeftovers().isEmpty)

        // Launching again runs nothing: every job is done.
        let again = try sandbox.run(["launch", "probe.json"])
        #expect(again.status == 0)
        #expect(again.stdout.contains("sweep p (revision 1): 6 jobs: +0 new, 6 kept (6 done), 0 dropped"), "\(again.stdout)")
        let status = try sandbox.run(["status", "p"])
        #expect(status.stdout.contains("6/6 done"))
    }

    @Test func crashingJobsAreRetriedFailingOnesNotAndBothKeepTheirError() throws {
        let sandbox = try SweepSandbox()
        try sandbox.write("bad.json", """
            {"name": "bad", "workload": "probe", "base": {"epochs": 3},
             "include": [{"value": 1}, {"fail_at_epoch": 2}, {"crash_at_epoch": 2}]}
            """)
        let run = try sandbox.run(["launch", "bad.json", "--local-slots", "2", "--max-attempts", "2"])
        #expect(run.status == 1)
        let store = try StoreReader(path: sandbox.database)
        let jobs = try store.jobs(of: try #require(try store.sweep(named: "bad")).id)
        #expect(jobs.map(\.state) == [.done, .failed, .failed])
        #expect(jobs[1].error?.contains("fail_at_epoch") == true)
        #expect(jobs[2].error?.contains("SIGABRT") == true)
        // The job's own error (fail_at_epoch) happens again on every try: not retried.
        #expect(try store.attempts(of: jobs[1].id).map(\.status) == [.failed])
        // A crash may be the moment's or the host's: retried up to --max-attempts.
        #expect(try store.attempts(of: jobs[2].id).map(\.status) == [.failed, .failed])
        // The crashed attempt keeps the job's last stderr lines.
        #expect(try store.attempts(of: jobs[2].id)[0].stderrTail?.isEmpty == false)
        // The runner's marks between jobs (`StderrMark`) are the worker's, never a job's text.
        #expect(try store.attempts(of: jobs[2].id).allSatisfy { $0.stderrTail?.contains("sweep-stderr-mark") != true })
        let logs = try sandbox.run(["logs", String(jobs[1].id)])
        #expect(logs.stdout.contains("attempt 1 on local: failed: probe: failing at epoch 2"))
        #expect(sandbox.waitForNoLeftovers().isEmpty)
    }

    @Test func killingTheCoordinatorLosesNothingAndResumeFinishesTheSweep() throws {
        let sandbox = try SweepSandbox()
        let jobs = 12, epochs = 6
        try sandbox.write("slow.json", """
            {"name": "slow", "workload": "probe", "base": {"epochs": \(epochs), "sleep_ms": 60},
             "grid": {"value": [1, 2, 3, 4, 5, 6]}, "seeds": 2}
            """)
        let launch = try sandbox.start(["launch", "slow.json", "--local-slots", "3"])
        let someDone = try sandbox.waitUntil(timeout: 60) {
            guard let store = try? StoreReader(path: sandbox.database),
                  let sweep = try store.sweep(named: "slow") else { return false }
            let counts = try store.counts(of: sweep.id)
            return counts.done >= 3 && counts.running > 0
        }
        #expect(someDone)
        kill(launch.process.processIdentifier, SIGKILL)
        launch.wait(timeout: 10)

        // The worker sees its input close and takes its job processes with it.
        #expect(sandbox.waitForNoLeftovers().isEmpty)
        let interrupted = try StoreReader(path: sandbox.database)
        #expect(try interrupted.integrityCheck() == "ok")
        let counts = try interrupted.counts(of: try #require(try interrupted.sweep(named: "slow")).id)
        #expect(counts.done < jobs)

        let resume = try sandbox.run(["resume", "slow", "--local-slots", "3"])
        #expect(resume.status == 0, "\(resume.stdout)\n\(resume.stderr)")
        #expect(resume.stdout.contains("unfinished (interrupted or cancelled) will run again"), "\(resume.stdout)")
        try expectProbeSweepComplete(database: sandbox.database, sweep: "slow", jobs: jobs, epochs: epochs)
        #expect(sandbox.waitForNoLeftovers().isEmpty)
    }

    @Test(arguments: ["registered:1", "started:5", "finished:7"])
    func aCoordinatorKilledAtAnyCommitPointResumesExactlyOnce(_ point: String) throws {
        let sandbox = try SweepSandbox()
        try sandbox.write("f.json", """
            {"name": "f", "workload": "probe", "base": {"epochs": 3, "sleep_ms": 30}, "grid": {"value": [1, 2, 3, 4, 5]}, "seeds": 2}
            """)
        let killed = try sandbox.start(["launch", "f.json", "--local-slots", "2"], environment: ["SWEEP_FAULT_KILL_AT": point])
        killed.wait(timeout: 60)
        #expect(killed.process.terminationReason == .uncaughtSignal && killed.status == SIGKILL, "\(killed.stderr)")
        #expect(sandbox.waitForNoLeftovers().isEmpty)
        #expect(try StoreReader(path: sandbox.database).integrityCheck() == "ok")

        let resume = try sandbox.run(["resume", "f", "--local-slots", "2"])
        #expect(resume.status == 0, "\(resume.stdout)\n\(resume.stderr)")
        try expectProbeSweepComplete(database: sandbox.database, sweep: "f", jobs: 10, epochs: 3)
        #expect(sandbox.waitForNoLeftovers().isEmpty)
    }

    @Test func ctrlCDrainsThenResumeFinishes() throws {
        let sandbox = try SweepSandbox()
        try sandbox.write("drain.json", """
            {"name": "drain", "workload": "probe", "base": {"epochs": 4, "sleep_ms": 100},
             "grid": {"value": [1, 2, 3, 4, 5, 6, 7, 8]}}
            """)
        let launch = try sandbox.start(["launch", "drain.json", "--local-slots", "2"])
        let running = try sandbox.waitUntil(timeout: 60) {
            guard let store = try? StoreReader(path: sandbox.database),
                  let sweep = try store.sweep(named: "drain") else { return false }
            return try store.counts(of: sweep.id).running == 2
        }
        #expect(running)
        kill(launch.process.processIdentifier, SIGINT)
        launch.wait(timeout: 30)
        #expect(launch.status == 130, "\(launch.stdout)\n\(launch.stderr)")
        #expect(launch.stderr.contains("Draining"))
        let store = try StoreReader(path: sandbox.database)
        let sweep = try #require(try store.sweep(named: "drain"))
        let counts = try store.counts(of: sweep.id)
        #expect(counts.running == 0, "a drain lets running jobs finish")
        #expect(counts.done >= 2 && counts.pending > 0)
        #expect(sandbox.waitForNoLeftovers().isEmpty)

        let resume = try sandbox.run(["resume", "drain"])
        #expect(resume.status == 0)
        try expectProbeSweepComplete(database: sandbox.database, sweep: "drain", jobs: 8, epochs: 4)
    }

    @Test func badSpecsExitNonZeroNamingTheFieldAndWriteNothing() throws {
        let sandbox = try SweepSandbox()
        try sandbox.write("bad.json", #"{"workload": "probe", "grid": {"valu": [1]}}"#)
        let run = try sandbox.run(["launch", "bad.json"])
        #expect(run.status == 64, "an invalid spec exits with the usage status")
        #expect(!run.stderr.contains("Usage:"))
        #expect(run.stderr.contains(#"bad.json:1:40: grid.valu: unknown parameter "valu" of workload "probe"; did you mean "value"?"#),
                "\(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: sandbox.database))
        let missing = try sandbox.run(["launch", "nosuch"])
        #expect(missing.status == 64)
        #expect(missing.stderr.contains("Sweeps/nosuch.json"))
    }
}
