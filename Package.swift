// swift-tools-version: 6.0
import CompilerPluginSupport
import Foundation
import PackageDescription

// The library is a stack of targets, each importing only those below it, so an upward
// dependency does not compile (docs/ARCHITECTURE.md draws it):
//
//   FlecheMemoized  @Memoized, @CodeDigest (the FlecheMacros compiler plugin, swift-syntax)
//   FlecheS3      S3Store: a store in an S3 bucket (async-http-client), beside Fleche
//   Fleche        memoize(...), withCache, CacheContext; re-exports everything below
//   FlecheConfig  fleche.toml
//   FlecheQuery   CallQuery, CallTable, transfer   FlecheSharing  push/pull over rsync
//   FlecheCache   BaseCache and its family, Call, LazyCall, metadata collectors
//   FlecheStore   records, storages, the file store, gc, verify
//   FlecheValue   Value, digests, JSON, FlecheError
//   FlecheSystem  the system-call fence (swift-system, the few raw calls it lacks, child processes)
let package = Package(
    name: "Fleche",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "Fleche", targets: ["Fleche"]),
        .executable(name: "fleche", targets: ["FlecheCLI"]),
        .executable(name: "FixtureUpdater", targets: ["FixtureUpdater"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.0.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
    ],
    targets: [
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CXXHash", pkgConfig: "libxxhash", providers: [.apt(["libxxhash-dev"])]),
        .systemLibrary(name: "CDeflate", pkgConfig: "libdeflate", providers: [.apt(["libdeflate-dev"])]),

        // MARK: The library, bottom to top
        .target(name: "CThreadStack"),
        .target(name: "CSpawn"),
        .target(name: "CFileCalls"),
        .target(name: "CSHA256"),
        .target(
            name: "FlecheSystem",
            dependencies: ["CThreadStack", "CSpawn", "CFileCalls", .product(name: "SystemPackage", package: "swift-system")]),
        .target(
            name: "FlecheValue",
            dependencies: [
                "FlecheSystem",
                "CXXHash",
                "CSHA256",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        .target(
            name: "FlecheStore",
            dependencies: ["FlecheValue", "FlecheSystem", "CDeflate", .product(name: "Crypto", package: "swift-crypto")]),
        .target(name: "FlecheCache", dependencies: ["FlecheStore", "FlecheSystem"]),
        .target(name: "FlecheQuery", dependencies: ["FlecheCache"]),
        .target(
            name: "FlecheConfig",
            dependencies: ["FlecheQuery"]),
        .target(name: "FlecheSharing", dependencies: ["FlecheCache", "FlecheStore", "FlecheSystem", "FlecheValue"]),
        .target(name: "Fleche", dependencies: ["FlecheConfig", "FlecheSharing", "FlecheSystem"]),

        // MARK: Programs on the public API
        .executableTarget(
            name: "FlecheCLI",
            dependencies: ["Fleche", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .executableTarget(name: "FlecheDemo", dependencies: ["Fleche"]),
        .executableTarget(name: "FlecheTestWorker", dependencies: ["Fleche"]),
        .executableTarget(
            name: "FlecheBenchmarks",
            dependencies: ["Fleche", "FlecheStore", "FlecheValue", "CZlib", .product(name: "Crypto", package: "swift-crypto")],
            path: "Benchmarks/FlecheBenchmarks"),

        // MARK: Fixtures: tests generated from Fixtures/, and the maintainer's update command
        .executableTarget(name: "FixtureGen"),
        .executableTarget(name: "FixtureUpdater", dependencies: ["Fleche", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .plugin(name: "DigestFixtures", capability: .buildTool(), dependencies: ["FixtureGen"]),
        .plugin(
            name: "UpdateFixtures",
            capability: .command(
                intent: .custom(
                    verb: "update-fixtures",
                    description: "Fill in the expected digests and object files of new cases in Fixtures/."),
                permissions: [.writeToPackageDirectory(reason: "Writes the computed digests and .object files into Fixtures/.")]),
            dependencies: []),

        // MARK: Fuzzing: the decoders' promises, checked by the fuzzer and by the tests
        .target(
            name: "FuzzTargets",
            dependencies: ["FlecheConfig", "FlecheStore", "FlecheValue"],
            path: "Fuzz/FuzzTargets"),

        .testTarget(
            name: "FlecheTests",
            dependencies: ["Fleche", "FlecheCLI", "FlecheTestWorker", "FixtureUpdater", "CZlib", "FuzzTargets"],
            resources: [.copy("Fixtures")],
            plugins: ["DigestFixtures"]),
    ]
)

// `@Memoized` and `@CodeDigest`: the library product FlecheMemoized, above the library, so
// that only its users build swift-syntax. The sanitized suite (scripts/test-sanitized.sh)
// leaves them out (FLECHE_WITHOUT_MACROS=1): it does not test them, and swift-syntax built
// under each sanitizer would double its build time.
if ProcessInfo.processInfo.environment["FLECHE_WITHOUT_MACROS"] == nil {
    package.dependencies.append(.package(url: "https://github.com/swiftlang/swift-syntax", "600.0.0"..<"604.0.0"))
    package.products.append(.library(name: "FlecheMemoized", targets: ["FlecheMemoized"]))
    package.targets += [
        .macro(
            name: "FlecheMacros",
            dependencies: [
                .product(name: "SwiftSyntaxMacros", package: "swift-syntax"),
                .product(name: "SwiftCompilerPlugin", package: "swift-syntax"),
            ]),
        .target(name: "FlecheMemoized", dependencies: ["Fleche", "FlecheMacros", "FlecheValue"]),
        .testTarget(
            name: "FlecheMacrosTests",
            dependencies: [
                "FlecheMacros", "FlecheMemoized",
                .product(name: "SwiftSyntaxMacrosGenericTestSupport", package: "swift-syntax"),
                .product(name: "SwiftSyntaxMacroExpansion", package: "swift-syntax"),
                .product(name: "SwiftSyntaxMacros", package: "swift-syntax"),
                .product(name: "SwiftSyntax", package: "swift-syntax"),
                .product(name: "SwiftParser", package: "swift-syntax"),
            ])
    ]
}

// The S3 tier: the library product FlecheS3, over async-http-client (SwiftNIO), so that only
// its users build an HTTP stack. The sanitized suite leaves it out (FLECHE_WITHOUT_S3=1) for
// the same reason as the macros.
if ProcessInfo.processInfo.environment["FLECHE_WITHOUT_S3"] == nil {
    package.dependencies += [
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    ]
    package.products.append(.library(name: "FlecheS3", targets: ["FlecheS3"]))
    // Every command of `fleche` takes an S3 cache of fleche.toml.
    for target in package.targets where ["FlecheCLI", "FlecheTestWorker"].contains(target.name) {
        target.dependencies.append("FlecheS3")
    }
    package.targets += [
        .target(
            name: "FlecheS3",
            dependencies: [
                "FlecheCache", "FlecheConfig", "FlecheStore", "FlecheValue", "FlecheSystem",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]),
        .executableTarget(
            name: "FlecheS3Benchmarks", dependencies: ["Fleche", "FlecheS3"], path: "Benchmarks/FlecheS3Benchmarks"),
        .testTarget(
            name: "FlecheS3Tests",
            dependencies: ["FlecheS3", "Fleche", "FlecheConfig", "FlecheSystem", "FlecheCLI", "FlecheTestWorker"],
            resources: [.copy("Vectors")]),
    ]
}

// `make docs` builds the DocC catalog with swift-docc-plugin. It is a dependency only then
// (FLECHE_DOCS=1, in a build folder of its own), so ordinary builds do not compile its tools.
if ProcessInfo.processInfo.environment["FLECHE_DOCS"] != nil {
    package.dependencies.append(.package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"))
}

// `make fuzz` builds the libFuzzer driver of Fuzz/ (FLECHE_FUZZ=1, with
// `--sanitize fuzzer --sanitize address`, in a build folder of its own); libFuzzer supplies
// its `main`, so ordinary builds leave it out. The checks it runs (FuzzTargets) are a target
// of every build: the test suite runs the seeds and regression inputs through them.
if ProcessInfo.processInfo.environment["FLECHE_FUZZ"] != nil {
    package.targets.append(
        .executableTarget(
            name: "FlecheFuzz",
            dependencies: ["FuzzTargets"],
            path: "Fuzz/FlecheFuzz",
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]))
    package.products.append(.executable(name: "FlecheFuzz", targets: ["FlecheFuzz"]))
}
