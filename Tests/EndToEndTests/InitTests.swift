import Foundation
import Testing

@Suite struct InitTests {
    @Test func initSetsUpAnEmptyFolderSoTheExampleLaunchesAndNeverOverwrites() throws {
        let sandbox = try SweepSandbox()
        let first = try sandbox.run(["init"])
        #expect(first.status == 0 && first.stdout.contains("wrote Sweeps/, Hosts/, Reports/, Sweeps/example.json"), "\(first.stdout)\(first.stderr)")
        let dry = try sandbox.run(["launch", "example", "--dry-run"])
        #expect(dry.stdout.contains("sweep example (probe): 12 jobs = 6 configs x 2 seeds"), "\(dry.stdout)\(dry.stderr)")
        let run = try sandbox.run(["launch", "example", "--local-slots", "2", "--quiet"])
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        try expectProbeSweepComplete(database: sandbox.database, sweep: "example", jobs: 12, epochs: 5)
        #expect(try sandbox.run(["report", "example"]).status == 0)
        #expect(FileManager.default.fileExists(atPath: sandbox.directory.appendingPathComponent("Reports/example/report.md").path))

        // A second init changes nothing, and an edited example is kept.
        try sandbox.write("Sweeps/example.json", "{}")
        let again = try sandbox.run(["init"])
        #expect(again.status == 0 && again.stdout.contains("already set up"))
        #expect(try String(contentsOf: sandbox.directory.appendingPathComponent("Sweeps/example.json"), encoding: .utf8) == "{}")
    }
}
