import ArgumentParser
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import SweepCore
import SweepStore

extension Sweep {
    struct Resume: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run what an interrupted sweep has not finished.",
            discussion: """
                Jobs a dead coordinator left running, and cancelled ones, go back to pending; \
                finished jobs never run again. Uses the spec stored at launch, so the file may \
                have moved. Same as launching the spec again.
                """)

        @Argument(help: ArgumentHelp("The sweep's name (default: the one launched last).", valueName: "sweep"))
        var sweep: String?

        @OptionGroup var store: StoreOptions
        @OptionGroup var runOptions: RunOptions

        func run() throws {
            let info = try StoredSweep.find(sweep, databasePath: store.db)
            try SweepRun.launch(plan: SpecFiles.plan(file: info.specPath, text: info.specText),
                                databasePath: store.db, options: runOptions)
        }
    }
}
