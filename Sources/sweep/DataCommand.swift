import ArgumentParser
import Workloads

extension Sweep {
    struct DataCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "data",
            abstract: "Find and download the image data sets (MNIST, FashionMNIST) the hitl-ddqn jobs read.",
            discussion: """
                Jobs look in $SWEEP_DATA/<name>, ~/.cache/sweep/datasets/<name>, then \
                /usr/share/datasets/<name> (Debian's dataset-fashion-mnist installs there). \
                Worker hosts get the coordinator's copy over SFTP when they lack it.
                """,
            subcommands: [List.self, Fetch.self])
    }
}

extension Sweep.DataCommand {
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show where each data set is found, or how to get it.")

        func run() throws {
            let rows = DatasetCatalog.current.listing().map { listing in
                [listing.name, listing.foundIn ?? "missing: " + listing.remedy]
            }
            print(TextTable.render(headers: ["data set", "found in"], rows: rows))
        }
    }

    struct Fetch: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Download a data set into ~/.cache/sweep/datasets, checking every file's SHA-256.",
            discussion: "SWEEP_DATA_MIRROR=URL replaces the canonical mirrors (a base URL serving <name>/<file>).")

        @Argument(help: ArgumentHelp("mnist or fashion-mnist.", valueName: "name"))
        var name: String

        func run() async throws {
            let descriptor = try DatasetCatalog.current.descriptor(named: name)
            let directory = try await DatasetFetcher.current.fetch(descriptor) { print($0) }
            print("\(name) is in \(directory)")
        }
    }
}
