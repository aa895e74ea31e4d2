// swift-tools-version:5.9
// SOSO: the C core (csrc/, include/soso.h) as the C target CSoso, the Swift API Soso on
// top of it, and the `soso` command-line tool.
import Foundation
import PackageDescription

// OpenMP needs the unsafe flag -fopenmp, which SwiftPM refuses in a package that another
// package depends on by version. So the flag is used only when this package is built on
// its own (or as a path/branch dependency), and left out when it sits in a dependency
// checkout; the core is correct either way, only serial. See README "OpenMP".
let packageDir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().path
let isVersionedDependency = packageDir.contains("/.build/checkouts/")
    || packageDir.contains("/SourcePackages/checkouts/")
    || ProcessInfo.processInfo.environment["SOSO_NO_OPENMP"] != nil

let openMPCFlags: [CSetting] = isVersionedDependency ? [] : [.unsafeFlags(["-fopenmp"])]
// LLVM's OpenMP runtime from Debian's libomp-dev; its link name is omp5 (BUILD.md).
let openMPLink: [LinkerSetting] = isVersionedDependency ? [] : [.linkedLibrary("omp5")]

let package = Package(
    name: "Soso",
    products: [
        .library(name: "Soso", targets: ["Soso"]),
        .executable(name: "soso", targets: ["SosoCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // The C core keeps the top-level layout: sources in csrc/, public header in include/.
        .target(
            name: "CSoso",
            path: ".",
            sources: ["csrc"],
            publicHeadersPath: "include",
            cSettings: [.headerSearchPath("csrc"), .define("_GNU_SOURCE")] + openMPCFlags,
            linkerSettings: [.linkedLibrary("openblas"), .linkedLibrary("m")] + openMPLink
        ),
        .target(
            name: "Soso",
            dependencies: ["CSoso"],
            path: "Sources/Soso"
        ),
        .executableTarget(
            name: "SosoCLI",
            dependencies: [
                "Soso",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/SosoCLI"
        ),
        .testTarget(
            name: "SosoTests",
            dependencies: ["Soso"],
            path: "Tests/SosoTests"
        ),
    ]
)
