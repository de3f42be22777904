// swift-tools-version:6.1
import PackageDescription

/// Swift 6 language mode everywhere, plus the upcoming features that keep module
/// boundaries honest: `any` spelled out, and a member usable only where its module is
/// imported (so each target's dependencies are the ones it names; docs/architecture.md).
let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

/// KANKit's SIMD8 kernels want AVX2/FMA code generation on x86-64 (Swift takes target
/// features from the Clang importer); `KANKIT_FMA` turns on fused multiply-add in its GEMM.
/// About 2x faster; the binary then needs an x86-64-v3 CPU (Haswell, 2013, or newer) on
/// every worker host. Drop both for a portable x86-64 binary.
///
/// Debug builds optimise these two modules too (`-O`): their tests train real networks,
/// which unoptimised code runs 10-50x slower. Everything else stays -Onone for debugging.
#if arch(x86_64)
let numerics: [SwiftSetting] = [
    .unsafeFlags(["-Xcc", "-march=x86-64-v3"]), .define("KANKIT_FMA"), .unsafeFlags(["-O"], .when(configuration: .debug)),
]
#elseif arch(arm64)
let numerics: [SwiftSetting] = [.define("KANKIT_FMA"), .unsafeFlags(["-O"], .when(configuration: .debug))]
#else
let numerics: [SwiftSetting] = [.unsafeFlags(["-O"], .when(configuration: .debug))]
#endif

let package = Package(
    name: "sweep",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "sweep", targets: ["sweep"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
    ],
    targets: [
        // C libraries from Debian's -dev packages.
        .systemLibrary(name: "CLibCrypto", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        .target(name: "CSweepShims"),
        .systemLibrary(name: "CZlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CLibSSH", pkgConfig: "libssh", providers: [.apt(["libssh-dev"])]),
        // libyaml's event parser for spec files (SweepSpec.YAMLReader), linked statically: no
        // pkgConfig, whose `-lyaml` would link the shared library.
        .systemLibrary(name: "CLibYAML", providers: [.apt(["libyaml-dev"])]),

        // Shared vocabulary: JSON values, parameter schemas, the Workload protocol. It keeps
        // SHA-256 (Digest, over CLibCrypto) because a job's key is one (JobConfig+Key), and every
        // module that has jobs (spec, store, wire, workloads, coordinator) needs the key.
        .target(name: "SweepCore", dependencies: ["CLibCrypto"], swiftSettings: strict),
        // The git commit a spec's folder is checked out at, read from the repository's files
        // (never by running git): only the store, the launcher and the CLI record it.
        .target(name: "SweepGit", swiftSettings: strict),
        // Model-based search: the Tree-structured Parzen Estimator, pure numerics over SweepCore's values.
        // Built like the numerics (AVX2/FMA, -O in debug too): its kernel sums are vector code.
        .target(name: "SweepSearch", dependencies: ["SweepCore"], swiftSettings: strict + numerics),
        // Spec grammar, validation, expansion into jobs; reads a spec's `report` section into
        // SweepReport's `TableSpec`s.
        // libyaml is linked as its static archive: hosts run the shipped binary and need not
        // have libyaml installed (they did not when it came with Yams).
        .target(name: "SweepSpec", dependencies: ["SweepCore", "SweepReport", "CLibYAML"], swiftSettings: strict,
                linkerSettings: [.linkedLibrary(":libyaml.a", .when(platforms: [.linux])),
                                 .linkedLibrary("yaml", .when(platforms: [.macOS]))]),
        // SQLite store (GRDB): schema, migrations, queries.
        .target(name: "SweepStore", dependencies: [
            "SweepCore", "SweepGit", .product(name: "GRDB", package: "GRDB.swift"), .product(name: "GRDBSQLite", package: "GRDB.swift"),
        ], swiftSettings: strict),
        // Coordinator <-> worker message protocol.
        .target(name: "SweepWire", dependencies: ["SweepCore"], swiftSettings: strict),
        // OS plumbing of each process's event loop: child processes, owned descriptors, line I/O, clocks.
        .target(name: "SweepRuntime", dependencies: ["SweepCore", "CSweepShims"], swiftSettings: strict),
        // Headless worker and the job-runner processes it supervises.
        .target(name: "SweepWorker", dependencies: ["SweepCore", "SweepWire", "SweepRuntime"], swiftSettings: strict),
        // How the coordinator reaches workers: the WorkerTransport protocol, its events and
        // queue, and the local transport (a child process). No store, no scheduling: SweepRemote
        // builds its transports on this alone.
        .target(name: "SweepTransport", dependencies: ["SweepWire", "SweepRuntime"], swiftSettings: strict),
        // Scheduler, progress, launch orchestration.
        .target(name: "SweepCoordinator", dependencies: ["SweepCore", "SweepGit", "SweepSearch", "SweepStore", "SweepWire", "SweepRuntime", "SweepTransport"],
                swiftSettings: strict),
        // Moving-window tables (Markdown, CSV) and SVG learning curves, and `TableSpec`, their
        // layout. Pure: typed inputs in, files out; no spec grammar, no store.
        .target(name: "SweepReport", dependencies: ["SweepCore"], swiftSettings: strict),
        // What the CLI's --json prints and the dashboard serves: one shape for both, read from the store.
        .target(name: "SweepViews", dependencies: ["SweepCore", "SweepSpec", "SweepStore", "SweepReport"], swiftSettings: strict),
        // `sweep serve`: a read-only HTTP dashboard over the store (POSIX sockets, no dependency).
        // The page's HTML, script and style are real files, compiled in as byte arrays by SwiftPM's
        // embedInCode rule (a generated `PackageResources`, no resource bundle beside the binary).
        .target(name: "SweepServe", dependencies: ["SweepCore", "SweepSpec", "SweepStore", "SweepReport", "SweepViews"],
                resources: [.embedInCode("Assets/index.html"), .embedInCode("Assets/app.js"), .embedInCode("Assets/style.css")],
                swiftSettings: strict),
        // libssh wrapped: sessions on their own threads, exec channels, SFTP, known_hosts.
        .target(name: "SweepSSH", dependencies: ["CLibSSH", "CSweepShims"], swiftSettings: strict),
        // Worker hosts over SSH: the SSH transport, host checks, shipping the binary.
        .target(name: "SweepRemote", dependencies: ["SweepCore", "SweepTransport", "SweepRuntime", "SweepSSH", "SweepWire"], swiftSettings: strict),
        // Numerics: layers with hand-written backward passes, KAN, optimisers, samplers, symbolic fits.
        .target(name: "KANKit", swiftSettings: strict + numerics),
        // The jobs themselves.
        .target(name: "Workloads", dependencies: ["SweepCore", "SweepRuntime", "KANKit", "CZlib"], swiftSettings: strict + numerics),
        // The command line.
        .executableTarget(
            name: "sweep",
            dependencies: [
                "SweepCore", "SweepGit", "SweepSpec", "SweepStore", "SweepWire", "SweepRuntime", "SweepWorker",
                "SweepTransport", "SweepCoordinator", "SweepRemote", "SweepReport", "SweepViews", "SweepServe", "SweepSearch", "Workloads", "KANKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict),

        // The test kit shared by test targets: temporary folders that are always removed
        // (TemporaryFolder), a throw-away OpenSSH server on loopback, a Slurm test cluster.
        .target(name: "SweepTestSupport", dependencies: ["CSweepShims"], swiftSettings: strict),

        // Each test target depends on what its files import, no more. SweepTestSupport, the
        // kit, is for every suite that makes temporary folders, runs programs or starts daemons.
        // Workloads for its registry (`WorkloadRegistry.all`): specs are checked against the real
        // workloads' parameter schemas (`probe`, `command`, ...), as `sweep` checks them.
        .testTarget(name: "SweepSpecTests", dependencies: ["SweepSpec", "SweepCore", "SweepGit", "Workloads", "SweepTestSupport"], swiftSettings: strict),
        .testTarget(name: "SweepSearchTests", dependencies: ["SweepSearch", "SweepCore"], swiftSettings: strict),
        // Workloads: the registry, to plan real `probe` jobs from a spec (`newJobs`).
        .testTarget(name: "SweepStoreTests", dependencies: ["SweepStore", "SweepSpec", "SweepCore", "SweepGit", "Workloads", "SweepTestSupport"],
                    swiftSettings: strict),
        .testTarget(name: "SweepWireTests", dependencies: ["SweepWire", "SweepCore"], swiftSettings: strict),
        .testTarget(name: "SweepRuntimeTests", dependencies: ["SweepRuntime", "SweepTestSupport"], swiftSettings: strict),
        .testTarget(name: "SweepWorkerTests", dependencies: [
            "SweepWorker", "SweepRuntime", "SweepWire", "SweepCore", "CSweepShims", "SweepTestSupport",
        ], swiftSettings: strict),
        .testTarget(name: "SweepCoordinatorTests", dependencies: [
            "SweepCoordinator", "SweepTransport", "SweepRuntime", "SweepStore", "SweepWire", "SweepCore", "SweepSearch", "SweepTestSupport",
        ], swiftSettings: strict),
        .testTarget(name: "KANKitTests", dependencies: ["KANKit"], swiftSettings: strict),
        .testTarget(name: "WorkloadsTests", dependencies: ["Workloads", "SweepCore", "KANKit", "CZlib", "SweepTestSupport"], swiftSettings: strict),
        .testTarget(name: "SweepSSHTests", dependencies: ["SweepSSH", "SweepTestSupport"], swiftSettings: strict),
        .testTarget(name: "SweepRemoteTests", dependencies: ["SweepRemote", "SweepTransport", "SweepWire", "SweepCore", "SweepSSH", "SweepTestSupport"],
                    swiftSettings: strict),
        .testTarget(name: "SweepReportTests", dependencies: ["SweepReport", "SweepSpec", "SweepCore", "SweepTestSupport"], exclude: ["Golden"],
                    swiftSettings: strict),
        .testTarget(name: "SweepServeTests", dependencies: [
            "SweepServe", "SweepViews", "SweepReport", "SweepStore", "SweepCore", "SweepSpec", "Workloads", "SweepTestSupport",
        ], swiftSettings: strict),
        // `sweep`: these tests run the built binary (beside the test bundle), so it must be built.
        .testTarget(name: "EndToEndTests", dependencies: ["SweepCore", "SweepStore", "SweepTestSupport", "sweep"], swiftSettings: strict),
    ]
)
