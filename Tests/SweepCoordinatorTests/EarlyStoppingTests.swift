import SweepCore
import Testing

@testable import SweepCoordinator

/// The stopping rules on hand-worked examples: each decision can be checked on paper.
@Suite struct EarlyStoppingTests {
    /// Feeds `(job, epoch, value)` in order; returns the jobs stopped, with their epoch.
    func run(_ rule: inout EarlyStopping, _ reports: [(Int64, Int, Double)], lastEpoch: Int? = nil) -> [Int64: Int] {
        var stopped: [Int64: Int] = [:]
        for (job, epoch, value) in reports where stopped[job] == nil {
            if rule.observe(job: job, epoch: epoch, metrics: ["acc": value], lastEpoch: lastEpoch) != nil { stopped[job] = epoch }
        }
        return stopped
    }

    /// ASHA with grace 1, reduction 2: rungs at epochs 1, 2, 4; a job goes on if it is at
    /// least the median of the values recorded at its rung before it.
    static let ashaReports: [(Int64, Int, Double)] = [
        (1, 1, 0.5),   // first at rung 1: goes on; rung 1 = [0.5]
        (2, 1, 0.3),   // cutoff 0.5: stops; rung 1 = [0.3, 0.5]
        (3, 1, 0.9),   // cutoff 0.4: goes on
        (4, 1, 0.4),   // cutoff median of [0.3, 0.5, 0.9] = 0.5: stops
        (1, 2, 0.6),   // first at rung 2
        (3, 2, 0.95),  // cutoff 0.6: goes on
        (1, 3, 0.61), (3, 3, 0.7),  // no rung at 3
        (1, 4, 0.62),  // first at rung 4
        (3, 4, 0.5),   // cutoff 0.62: stops
    ]

    @Test func ashaStopsWhatAHandWorkedExampleStops() {
        var asha = EarlyStopping(objective: Objective(metric: "acc", mode: .max), settings: StopSettings(rule: .asha, grace: 1, reduction: 2))
        #expect(run(&asha, Self.ashaReports) == [2: 1, 4: 1, 3: 4])
        // A job's last epoch is its end, not a rung: with 4 epochs, job 3 finishes.
        var lastFour = EarlyStopping(objective: Objective(metric: "acc", mode: .max), settings: StopSettings(rule: .asha, grace: 1, reduction: 2))
        #expect(run(&lastFour, Self.ashaReports, lastEpoch: 4) == [2: 1, 4: 1])
    }

    @Test func minimisingIsTheMirrorImage() {
        var asha = EarlyStopping(objective: Objective(metric: "acc", mode: .min), settings: StopSettings(rule: .asha, grace: 1, reduction: 2))
        #expect(run(&asha, Self.ashaReports.map { ($0.0, $0.1, -$0.2) }) == [2: 1, 4: 1, 3: 4])
    }

    @Test func aStopReasonNamesTheRuleTheValueAndTheCutoff() {
        var asha = EarlyStopping(objective: Objective(metric: "acc", mode: .max), settings: StopSettings(rule: .asha, grace: 1, reduction: 2))
        _ = asha.observe(job: 1, epoch: 1, metrics: ["acc": 0.68], lastEpoch: nil)
        let reason = asha.observe(job: 2, epoch: 1, metrics: ["acc": 0.61], lastEpoch: nil)
        #expect(reason == "stopped at epoch 1 by asha: acc 0.6100 below the rung's cutoff 0.6800 (rung at epoch 1, 1 jobs recorded)")
        #expect(asha.observe(job: 3, epoch: 1, metrics: ["loss": 0.1], lastEpoch: nil) == nil, "another metric decides nothing")
    }

    /// Pausing ASHA (Li et al.'s Algorithm 2), grace 1, reduction 3: rungs at epochs 1, 3, 9.
    /// A job goes on only in the top n/3 of the n jobs recorded at its rung; else it pauses,
    /// and is promoted once enough jobs rank below it.
    @Test func pausingAshaPromotesWhatAHandWorkedExamplePromotes() {
        var rule = EarlyStopping(objective: Objective(metric: "acc", mode: .max),
                                 settings: StopSettings(rule: .asha, grace: 1, reduction: 3, pause: true))
        func report(_ job: Int64, _ epoch: Int, _ value: Double, alone: Bool = false) -> Bool {
            let paused = rule.observe(job: job, epoch: epoch, metrics: ["acc": value], lastEpoch: nil, alone: alone) != nil
            if paused { rule.ended(job: job, as: .stopped) }
            return paused
        }
        #expect(report(1, 1, 0.5), "n 1: a third of one job is none: pauses")
        #expect(report(2, 1, 0.3), "n 2: still none")
        #expect(!report(3, 1, 0.9), "n 3: the best one goes on, and it is this one")
        #expect(rule.promotion(idle: false) == nil, "job 1 is second of 3: not in the top 1")
        #expect(report(4, 1, 0.7), "n 4: top 1 is job 3")
        #expect(report(5, 1, 0.4))
        #expect(rule.promotion(idle: false) == nil)
        #expect(report(6, 1, 0.6), "n 6: top 2 are jobs 3 and 4; job 6 pauses")
        #expect(rule.promotion(idle: false) == 4, "job 4 is now in the top 2 and paused: promoted")
        rule.promote(4)
        rule.started(job: 4)
        #expect(rule.promotion(idle: false) == nil, "promoted once only")
        #expect(!report(4, 1, 0.7), "run again, it passes the rung it was judged at")
        #expect(report(3, 3, 0.95), "first at rung 3: pauses, others may come")
        #expect(report(4, 3, 0.8), "n 2 at rung 3: pauses")
        #expect(rule.promotion(idle: false) == nil)
        #expect(rule.promotion(idle: true) == 3, "nothing else to run and no job has finished: the best at the highest rung")
        rule.promote(3)
        rule.started(job: 3)
        #expect(!report(3, 9, 0.97, alone: true), "alone, the fallback's own choice goes on rather than pause")
        rule.ended(job: 3, as: .done)
        #expect(rule.promotion(idle: true) == nil, "a job ran to its end: the fallback is done")
    }

    @Test func aPauseReasonSaysWhatTheRungNeeds() {
        var rule = EarlyStopping(objective: Objective(metric: "acc", mode: .max),
                                 settings: StopSettings(rule: .asha, grace: 1, reduction: 3, pause: true))
        #expect(rule.observe(job: 1, epoch: 1, metrics: ["acc": 0.5], lastEpoch: nil)
            == "stopped at epoch 1 by asha: 1 of the 3 jobs the rung at epoch 1 needs before one goes on; "
            + "paused: runs again if enough jobs reach the rung behind it")
        _ = rule.observe(job: 2, epoch: 1, metrics: ["acc": 0.9], lastEpoch: nil)
        #expect(rule.observe(job: 3, epoch: 1, metrics: ["acc": 0.6], lastEpoch: nil)
            == "stopped at epoch 1 by asha: acc 0.6000 below the rung's cutoff 0.9000 (rung at epoch 1: the best 1 of 3 go on); "
            + "paused: runs again if enough jobs reach the rung behind it")
    }

    /// A resumed pausing rule: the stored curves replayed (up to each pause), then each
    /// job's state: paused jobs wait where they paused, promoted ones are not promoted again.
    @Test func aPausingRuleRestoredFromTheStoreDecidesAsTheLiveOne() {
        let settings = StopSettings(rule: .asha, grace: 1, reduction: 3, pause: true)
        var live = EarlyStopping(objective: Objective(metric: "acc", mode: .max), settings: settings)
        let values: [(Int64, Double)] = [(1, 0.5), (2, 0.3), (3, 0.9), (4, 0.7), (5, 0.4), (6, 0.6)]
        var pausedAt: [Int64: Int] = [:]
        for (job, value) in values where live.observe(job: job, epoch: 1, metrics: ["acc": value], lastEpoch: nil) != nil {
            live.ended(job: job, as: .stopped)
            pausedAt[job] = 1
        }
        #expect(live.promotion(idle: false) == 4)
        live.promote(4)
        pausedAt[4] = nil
        var resumed = EarlyStopping(objective: Objective(metric: "acc", mode: .max), settings: settings)
        for (job, value) in values { _ = resumed.observe(job: job, epoch: 1, metrics: ["acc": value], lastEpoch: nil, recordOnly: true) }
        for (job, _) in values {
            resumed.restore(job: job, state: pausedAt[job] != nil ? .stopped : .pending, stoppedAtEpoch: pausedAt[job])
        }
        #expect(resumed.promotion(idle: false) == nil, "job 4 was promoted already")
        #expect(live.promotion(idle: true) == resumed.promotion(idle: true))
        // More jobs below make room in the top: job 6 (0.6) is promoted next, in both.
        for rule in [live, resumed] {
            var rule = rule
            #expect(rule.observe(job: 7, epoch: 1, metrics: ["acc": 0.95], lastEpoch: nil) == nil)
            #expect(rule.promotion(idle: false) == nil, "7 jobs: top 2 are 7 and 3")
            for job in Int64(8)...12 { _ = rule.observe(job: job, epoch: 1, metrics: ["acc": 0.1], lastEpoch: nil) }
            #expect(rule.promotion(idle: false) == 6, "12 jobs, top 4: 7, 3, 4 (promoted) and 6 (paused)")
        }
    }

    @Test func theMedianRuleComparesTheBestSoFarWithTheOthersRunningAverages() {
        var median = EarlyStopping(objective: Objective(metric: "acc", mode: .max),
                                   settings: StopSettings(rule: .median, grace: 2, minJobs: 2))
        let reports: [(Int64, Int, Double)] = [
            (1, 1, 1), (2, 1, 2), (3, 1, 3),  // before grace: nothing decided
            (1, 2, 1),                        // no other job at epoch 2 yet
            (2, 2, 2),                        // one other: fewer than min_jobs
            (3, 2, 0.5),                      // best 3 against the median of 1 and 2: goes on
            (4, 1, 0.1), (4, 2, 0.2),         // best 0.2 against the median of 1, 2 and 1.75: stops
        ]
        #expect(run(&median, reports) == [4: 2])
    }

    @Test func hyperbandPutsJobsInBracketsWithGrowingGrace() {
        // Brackets of grace 1 and 2 (reduction 2); odd ids go to bracket 2.
        var hyperband = EarlyStopping(objective: Objective(metric: "acc", mode: .max),
                                      settings: StopSettings(rule: .hyperband, grace: 1, reduction: 2, brackets: 2))
        let reports: [(Int64, Int, Double)] = [
            (2, 1, 0.9), (4, 1, 0.1),  // bracket 1 (even): rung at 1 stops job 4
            (1, 1, 0.9), (3, 1, 0.1),  // bracket 2 (odd): no rung at 1
            (1, 2, 0.9), (3, 2, 0.1),  // its first rung, at 2, stops job 3
        ]
        #expect(run(&hyperband, reports) == [4: 1, 3: 2])
    }

    @Test func replayingTheSameReportsRebuildsTheSameDecisions() {
        var first = EarlyStopping(objective: Objective(metric: "acc", mode: .max), settings: StopSettings(rule: .asha, grace: 1, reduction: 3))
        var second = first
        // Scrambled but fixed values: job j's curve at epoch e.
        var reports: [(Int64, Int, Double)] = []
        for epoch in 1...27 {
            for job in 1...40 {
                let scrambled: Int = (job * 7919 + epoch * 104_729) % 1000
                reports.append((Int64(job), epoch, Double(scrambled) / 1000))
            }
        }
        #expect(run(&first, reports) == run(&second, reports))
        #expect(run(&first, reports).isEmpty == false)
    }

    @Test func aWindowObjectiveComparesTheMeanOfTheLastEpochs() {
        // Rung at epoch 2 (grace 2, reduction 2). By the mean of the last two epochs: job 1
        // 0.5, job 2 0.55 (goes on), job 3 0.4 below the cutoff 0.525. By the last value
        // alone, job 2 (0.2 against 0.8) would stop and job 3 (0.7) go on.
        var rule = EarlyStopping(objective: Objective(metric: "acc", mode: .max, at: .window(2)),
                                 settings: StopSettings(rule: .asha, grace: 2, reduction: 2))
        let reports: [(Int64, Int, Double)] = [(1, 1, 0.2), (1, 2, 0.8), (2, 1, 0.9), (2, 2, 0.2), (3, 1, 0.1), (3, 2, 0.7)]
        #expect(run(&rule, reports) == [3: 2])
        var curve = EarlyStopping.Curve()
        for value in [1.0, 2, 3, 4] { curve.push(value, keeping: 2) }
        #expect(curve.sum == 7 && curve.window.count == 2, "the ring keeps the last two: 3 and 4")
    }

    @Test func quantilesInterpolateAsNumpyDoes() {
        #expect(SuccessiveHalving.quantile([], 0.5) == nil)
        #expect(SuccessiveHalving.quantile([1], 0.75) == 1)
        #expect(SuccessiveHalving.quantile([1, 2, 3, 4], 2.0 / 3) == 3)
        #expect(SuccessiveHalving.quantile([0, 10], 0.25) == 2.5)
    }
}
