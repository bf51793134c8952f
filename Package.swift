// swift-tools-version:6.0
import PackageDescription

// Linker flags for the IFD handler library. They sit on a flags-only target that only the
// library product links, because linker settings travel to every binary that links a
// target and `-static-stdlib` would otherwise break the test executables. They use lld,
// because gold keeps the symbols the version script hides as LOCAL entries in .dynsym,
// and lld leaves only the exported ones.
//
// libpcsclite.so.1 and the installed pcscd are not built here. scripts/build-libpcsclite.sh
// and scripts/build-pcscd.sh (run by `make`) compile them with Embedded Swift, so they
// carry no Swift runtime. SwiftPM compiles the same sources as normal Swift for the unit
// tests and for the `pcscd` product below, which nothing installs.
func sharedLibraryFlags(soname: String, versionScript: String) -> [LinkerSetting] {
    [
        .unsafeFlags([
            "-use-ld=lld",
            "-static-stdlib",
            "-L", "Sources/CLibraryRuntime/static-libraries",
            "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs",
            "-Xlinker", "-soname=\(soname)",
            "-Xlinker", "--version-script=\(versionScript)",
            "-Xlinker", "-z", "-Xlinker", "defs",
            "-Xlinker", "--gc-sections",
        ])
    ]
}

let package = Package(
    name: "swift-pcsc",
    products: [
        .library(name: "ifdvirtual", type: .dynamic, targets: ["IFDVirtualLinkage"]),
        .executable(name: "pcscd", targets: ["pcscd"]),
    ],
    targets: [
        // C headers of the public API and the three exported SCARD_IO_REQUEST objects.
        .target(
            name: "CPCSC",
            cSettings: [.headerSearchPath("../../include/PCSC")]
        ),
        // Swift runtime pieces that the IFD handler library replaces (load-time cost), and
        // the linker scripts that link libstdc++ statically.
        .target(name: "CLibraryRuntime", exclude: ["static-libraries"]),
        // Linux interfaces that need _GNU_SOURCE, for the daemon.
        .target(name: "CPosix"),
        .systemLibrary(name: "CLibUSB", pkgConfig: "libusb-1.0", providers: [.apt(["libusb-1.0-0-dev"])]),

        // Typed PC/SC values (errors, protocols, share modes, attributes), shared by all.
        .target(name: "PCSCTypes"),
        // The pcsc-lite UNIX-socket protocol (4:4, 4:5, 4:6), shared by client and daemon.
        .target(name: "PCSCWire", dependencies: ["PCSCTypes", "Threading"]),
        // Locks, condition variables and the monotonic clock, for the client and the daemon.
        .target(name: "Threading"),

        // Client library: contexts, card handles and calls, in typed Swift.
        .target(name: "PCSCClient", dependencies: ["PCSCWire", "PCSCTypes", "Threading"]),
        // C export layer of libpcsclite.so.1. Sources/PCSCLiteLinkage contains its version
        // script.
        .target(name: "PCSCLite", dependencies: ["CPCSC", "PCSCClient", "PCSCTypes"]),

        // USB access: the device protocol and its libusb implementation.
        .target(name: "USBTransport", dependencies: ["CLibUSB", "CPosix", "Threading"]),
        // CCID reader driver over any USBDevice.
        .target(name: "CCID", dependencies: ["USBTransport", "PCSCTypes", "Threading"]),
        // A virtual ISO 7816-4 card, and a virtual USB CCID reader that holds such cards.
        .target(name: "VirtualCard"),
        .target(name: "VirtualReader", dependencies: ["VirtualCard", "USBTransport", "Threading"]),
        // The virtual card as an IFD handler for pcsc-lite's own pcscd.
        .target(name: "IFDVirtual", dependencies: ["CPCSC", "VirtualCard", "VirtualReader", "Threading"]),
        .target(
            name: "IFDVirtualLinkage",
            dependencies: ["IFDVirtual", "CLibraryRuntime"],
            exclude: ["exports.map"],
            linkerSettings: sharedLibraryFlags(
                soname: "libifdvirtual.so",
                versionScript: "Sources/IFDVirtualLinkage/exports.map")
        ),

        // Daemon core: reader bookkeeping, client connections, events.
        .target(
            name: "PCSCDaemon",
            dependencies: [
                "PCSCTypes", "PCSCWire", "Threading", "CCID", "USBTransport", "VirtualReader", "CPosix",
            ]
        ),
        // The normal Swift build of the daemon. The installed pcscd comes from
        // scripts/build-pcscd.sh, which compiles EmbeddedMain.swift in place of main.swift
        // and links with the function order in hot-functions.order.
        .executableTarget(
            name: "pcscd",
            dependencies: ["PCSCDaemon"],
            exclude: ["hot-functions.order", "EmbeddedMain.swift"]
        ),
        // Exercises the libusb layer; Tests/umockdev/check-libusb-swift.sh runs it.
        .executableTarget(name: "usb-probe", dependencies: ["USBTransport"]),

        .testTarget(name: "CPCSCTests", dependencies: ["CPCSC"]),
        .testTarget(name: "ThreadingTests", dependencies: ["Threading"]),
        .testTarget(name: "PCSCWireTests", dependencies: ["PCSCWire", "PCSCTypes"]),
        .testTarget(name: "PCSCClientTests", dependencies: ["PCSCClient", "PCSCWire", "PCSCTypes"]),
        .testTarget(name: "PCSCDaemonTests", dependencies: ["PCSCDaemon", "PCSCWire", "PCSCTypes", "Threading"]),
        .testTarget(name: "CCIDTests", dependencies: ["CCID", "USBTransport", "PCSCTypes"]),
        .testTarget(name: "USBTransportTests", dependencies: ["USBTransport", "CLibUSB", "Threading"]),
        .testTarget(
            name: "VirtualReaderTests",
            dependencies: ["VirtualReader", "VirtualCard", "USBTransport", "IFDVirtual"]
        ),
    ]
)
