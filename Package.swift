// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "Fleche",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "Fleche", targets: ["Fleche"]),
        .executable(name: "fleche", targets: ["FlecheCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.0.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", exact: "0.6.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        .systemLibrary(
            name: "CXXHash",
            pkgConfig: "libxxhash",
            providers: [.apt(["libxxhash-dev"])]
        ),
        .target(
            name: "Fleche",
            dependencies: [
                "CZlib",
                "CXXHash",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "TOMLKit", package: "TOMLKit"),
            ]
        ),
        .executableTarget(
            name: "FlecheCLI",
            dependencies: [
                "Fleche",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(name: "FlecheDemo", dependencies: ["Fleche"]),
        .executableTarget(name: "FlecheTestWorker", dependencies: ["Fleche"]),
        .executableTarget(name: "FixtureGen"),
        .executableTarget(
            name: "FlecheBenchmarks",
            dependencies: ["Fleche", "CZlib", .product(name: "Crypto", package: "swift-crypto")],
            path: "Benchmarks/FlecheBenchmarks"
        ),
        .plugin(name: "DigestFixtures", capability: .buildTool(), dependencies: ["FixtureGen"]),
        .testTarget(
            name: "FlecheTests",
            dependencies: ["Fleche", "FlecheCLI", "FlecheTestWorker"],
            resources: [.copy("Fixtures")],
            plugins: ["DigestFixtures"]
        ),
    ]
)
