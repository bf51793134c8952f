// swift-tools-version:6.0
import PackageDescription

// Linker flags for the two C-ABI shared libraries. They sit on flags-only targets that
// only the library products link, because linker settings travel to every binary that
// links a target and `-static-stdlib` would otherwise break the test executables.
// They use lld, because gold keeps the symbols the version script hides as LOCAL entries
// in .dynsym (25 Swift symbols in libpcsclite.so), and lld leaves only the exported ones.
func sharedLibraryFlags(soname: String, versionScript: String) -> [LinkerSetting] {
    [
        .unsafeFlags([
            "-use-ld=lld",
            "-static-stdlib",
            "-L", "Sources/PCSCLiteLinkage/static-libraries",
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
        .library(name: "pcsclite", type: .dynamic, targets: ["PCSCLiteLinkage"]),
        .library(name: "ifdvirtual", type: .dynamic, targets: ["IFDVirtualLinkage"]),
        .executable(name: "pcscd", targets: ["pcscd"]),
    ],
    targets: [
        // C headers of the public API and the three exported SCARD_IO_REQUEST objects.
        .target(
            name: "CPCSC",
            cSettings: [.headerSearchPath("../../include/PCSC")]
        ),
        // Swift runtime pieces that the two C-ABI libraries replace (load-time cost).
        .target(name: "CLibraryRuntime"),
        // Linux interfaces that need _GNU_SOURCE, for the daemon.
        .target(name: "CPosix"),
        .systemLibrary(name: "CLibUSB", pkgConfig: "libusb-1.0", providers: [.apt(["libusb-1.0-0-dev"])]),
        .systemLibrary(name: "CSystemd", pkgConfig: "libsystemd", providers: [.apt(["libsystemd-dev"])]),

        // Typed PC/SC values (errors, protocols, share modes, attributes), shared by all.
        .target(name: "PCSCTypes"),
        // The pcsc-lite UNIX-socket protocol (4:4, 4:5, 4:6), shared by client and daemon.
        .target(name: "PCSCWire", dependencies: ["PCSCTypes"]),

        // Client library: contexts, card handles and calls, in typed Swift.
        .target(name: "PCSCClient", dependencies: ["PCSCWire", "PCSCTypes"]),
        // C export layer of libpcsclite.so.1.
        .target(name: "PCSCLite", dependencies: ["CPCSC", "PCSCClient", "PCSCTypes"]),
        .target(
            name: "PCSCLiteLinkage",
            dependencies: ["PCSCLite", "CLibraryRuntime"],
            exclude: ["exports.map", "static-libraries"],
            linkerSettings: sharedLibraryFlags(
                soname: "libpcsclite.so.1",
                versionScript: "Sources/PCSCLiteLinkage/exports.map")
        ),

        // USB access: the device protocol and its libusb implementation.
        .target(name: "USBTransport", dependencies: ["CLibUSB", "CPosix"]),
        // CCID reader driver over any USBDevice.
        .target(name: "CCID", dependencies: ["USBTransport", "PCSCTypes"]),
        // A virtual ISO 7816-4 card, and a virtual USB CCID reader that holds such cards.
        .target(name: "VirtualCard"),
        .target(name: "VirtualReader", dependencies: ["VirtualCard", "USBTransport"]),
        // The virtual card as an IFD handler for pcsc-lite's own pcscd.
        .target(name: "IFDVirtual", dependencies: ["CPCSC", "VirtualCard", "VirtualReader"]),
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
            dependencies: ["PCSCTypes", "PCSCWire", "CCID", "USBTransport", "VirtualReader", "CSystemd", "CPosix"]
        ),
        .executableTarget(
            name: "pcscd",
            dependencies: ["PCSCDaemon"],
            // lld with packed relative relocations and unused sections dropped, so ld.so does
            // less work at every start. libstdc++ is linked statically, through the linker
            // scripts found first on the search path, which saves its 0.9 MiB of RSS.
            linkerSettings: [
                .unsafeFlags([
                    "-use-ld=lld", "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs",
                    "-Xlinker", "--gc-sections",
                    "-L", "Sources/PCSCLiteLinkage/static-libraries",
                ])
            ]
        ),
        // Exercises the libusb layer; Tests/umockdev/check-libusb-swift.sh runs it.
        .executableTarget(name: "usb-probe", dependencies: ["USBTransport"]),

        .testTarget(name: "CPCSCTests", dependencies: ["CPCSC"]),
        .testTarget(name: "PCSCWireTests", dependencies: ["PCSCWire", "PCSCTypes"]),
        .testTarget(name: "PCSCClientTests", dependencies: ["PCSCClient", "PCSCWire", "PCSCTypes"]),
        .testTarget(name: "PCSCDaemonTests", dependencies: ["PCSCDaemon", "PCSCWire", "PCSCTypes"]),
        .testTarget(name: "CCIDTests", dependencies: ["CCID", "USBTransport", "PCSCTypes"]),
        .testTarget(name: "USBTransportTests", dependencies: ["USBTransport", "CLibUSB"]),
        .testTarget(
            name: "VirtualReaderTests",
            dependencies: ["VirtualReader", "VirtualCard", "USBTransport", "IFDVirtual"]
        ),
    ]
)
