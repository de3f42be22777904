#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import Dispatch
import Foundation
import SweepServe
import Workloads

extension Sweep {
    struct Serve: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Serve a live, read-only dashboard of the store's sweeps in the browser.",
            discussion: """
                Prints the URL, then serves the page and its JSON API (/api/sweeps, /api/sweeps/NAME, \
                ... the shapes of list --json and status --json) until Ctrl-C. It only reads the \
                store, with read-only connections that never block a running coordinator. It binds \
                127.0.0.1 by default; any other --host requires the random token the printed URL \
                carries, since the store holds configs and logs.
                """)

        @OptionGroup var store: StoreOptions

        @Option(help: ArgumentHelp("The port to listen on (0: any free port).", valueName: "port"))
        var port = 8080

        @Option(help: ArgumentHelp("The numeric address to listen on; other than a loopback one, the page requires a token.",
                                   valueName: "addr"))
        var host = "127.0.0.1"

        func validate() throws {
            guard (0...65535).contains(port) else { throw ValidationError("--port: expected a port from 0 to 65535, got \(port)") }
        }

        func run() throws {
            let dashboard: Dashboard
            do {
                dashboard = try Dashboard(databasePath: store.db, host: host, port: port, workloads: WorkloadRegistry.all)
            } catch {
                throw CommandFailure(error.description, exitCode: error.isUsage ? 64 : 1)
            }
            // Ctrl-C (or a TERM) stops accepting; the requests being answered finish.
            signal(SIGINT, SIG_IGN)
            signal(SIGTERM, SIG_IGN)
            let sources = [SIGINT, SIGTERM].map { number in
                let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
                source.setEventHandler { dashboard.stop() }
                source.resume()
                return source
            }
            print("serving \(store.db) at \(dashboard.url) (Ctrl-C to stop)")
            fflush(nil)  // a pipe is block-buffered; whoever started us wants the URL now
            dashboard.run()
            sources.forEach { $0.cancel() }
            print("stopped")
        }
    }
}
