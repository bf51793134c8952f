import Testing

@testable import PCSCDaemon

@Suite struct OptionsTests {
    @Test func defaults() throws {
        let options = try DaemonOptions.parse([])
        #expect(options.action == .run)
        #expect(!options.foreground)
        #expect(options.logLevel == .error)
        #expect(options.limits == ClientLimits())
        #expect(options.autoExitMilliseconds == nil)
    }

    @Test func everyFlag() throws {
        let options = try DaemonOptions.parse([
            "-a", "-f", "-T", "-S", "-I", "--disable-polkit", "--force-reader-polling",
        ])
        #expect(options.logAPDUs)
        #expect(options.foreground)
        #expect(options.color)
        #expect(options.readerNameWithoutSerial)
        #expect(options.readerNameWithoutInterface)
        #expect(options.disablePolkit)
        #expect(options.forcedPollingSeconds == 1)
    }

    @Test func longFlags() throws {
        let options = try DaemonOptions.parse([
            "--apdu", "--foreground", "--color", "--reader-name-no-serial", "--reader-name-no-interface",
        ])
        #expect(options.logAPDUs)
        #expect(options.foreground)
        #expect(options.color)
        #expect(options.readerNameWithoutSerial)
        #expect(options.readerNameWithoutInterface)
    }

    @Test(arguments: [
        ("-d", LogLevel.debug), ("-i", .info), ("-e", .error), ("-C", .critical),
        ("--debug", .debug), ("--info", .info), ("--error", .error), ("--critical", .critical),
    ])
    func logLevels(flag: String, level: LogLevel) throws {
        #expect(try DaemonOptions.parse([flag]).logLevel == level)
    }

    @Test(arguments: [
        (["-h"], DaemonOptions.Action.help), (["--help"], .help), (["-v"], .version),
        (["--version"], .version), (["-H"], .hotplug), (["--hotplug"], .hotplug),
    ])
    func actions(arguments: [String], action: DaemonOptions.Action) throws {
        #expect(try DaemonOptions.parse(arguments).action == action)
    }

    @Test func limitsInAllSpellings() throws {
        let short = try DaemonOptions.parse(["-t", "5", "-s6", "-r", "7"])
        #expect(short.limits.maxConnections == 5)
        #expect(short.limits.maxHandlesPerConnection == 6)
        #expect(short.limits.maxHandlesPerReader == 7)
        let long = try DaemonOptions.parse([
            "--max-thread=8", "--max-card-handle-per-thread", "9", "--max-card-handle-per-reader=10",
        ])
        #expect(long.limits.maxConnections == 8)
        #expect(long.limits.maxHandlesPerConnection == 9)
        #expect(long.limits.maxHandlesPerReader == 10)
    }

    @Test func autoExit() throws {
        #expect(try DaemonOptions.parse(["-x"]).autoExitMilliseconds == 60_000)
        #expect(try DaemonOptions.parse(["--auto-exit"]).autoExitMilliseconds == 60_000)
        #expect(try DaemonOptions.parse(["--auto-exit=2"]).autoExitMilliseconds == 2000)
        #expect(try DaemonOptions.parse(["--auto-exit=0.25"]).autoExitMilliseconds == 250)
        #expect(try DaemonOptions.parse(["--auto-exit=1.5"]).autoExitMilliseconds == 1500)
    }

    @Test func busyPoll() throws {
        #expect(try DaemonOptions.parse([]).busyPollMicroseconds == 50)
        #expect(try DaemonOptions.parse(["--busy-poll=0"]).busyPollMicroseconds == 0)
        #expect(try DaemonOptions.parse(["--busy-poll", "200"]).busyPollMicroseconds == 200)
        #expect(try DaemonOptions.parse(["--busy-poll=10000"]).busyPollMicroseconds == 10_000)
    }

    @Test func combinedShortFlags() throws {
        let options = try DaemonOptions.parse(["-fdx"])
        #expect(options.foreground)
        #expect(options.logLevel == .debug)
        #expect(options.autoExitMilliseconds == 60_000)
    }

    @Test func configAndVirtualReaders() throws {
        let options = try DaemonOptions.parse([
            "-c", "/etc/reader.conf.d", "--virtual-readers=2", "--virtual-control", "/tmp/ctl",
            "--virtual-mode=short-apdu",
        ])
        #expect(options.configPath == "/etc/reader.conf.d")
        #expect(options.virtualReaders == 2)
        #expect(options.virtualControlPath == "/tmp/ctl")
        #expect(options.virtualMode == "short-apdu")
    }

    @Test(arguments: [
        (["-t", "0"], "invalid value '0' for -t"),
        (["-t", "x"], "invalid value 'x' for -t"),
        (["--max-thread=-3"], "invalid value '-3' for --max-thread"),
        (["--auto-exit=soon"], "invalid value 'soon' for --auto-exit"),
        (["--auto-exit=0"], "invalid value '0' for --auto-exit"),
        (["--auto-exit=1.0001"], "invalid value '1.0001' for --auto-exit"),
        (["--auto-exit=-1"], "invalid value '-1' for --auto-exit"),
        (["--auto-exit=."], "invalid value '.' for --auto-exit"),
        (["--virtual-readers=65"], "invalid value '65' for --virtual-readers"),
        (["--virtual-mode=fast"], "invalid --virtual-mode 'fast'"),
        (["--busy-poll=10001"], "invalid value '10001' for --busy-poll; give a whole number from 0 to 10000"),
        (["--busy-poll=-1"], "invalid value '-1' for --busy-poll"),
        (["--busy-poll=fast"], "invalid value 'fast' for --busy-poll"),
        (["--busy-poll"], "option --busy-poll needs a value"),
        (["-q"], "unknown option -q"),
        (["-x=0.3"], "option -x takes no value; use --auto-exit=SECONDS"),
        (["-x5"], "option -x takes no value; use --auto-exit=SECONDS"),
        (["--bogus"], "unknown option --bogus"),
        (["-t"], "option -t needs a value"),
        (["--config"], "option --config needs a value"),
        (["--foreground=yes"], "option --foreground takes no value"),
        (["extra"], "unexpected argument 'extra'"),
        (["--virtual-control="], "option --virtual-control needs a path"),
        (["-c", ""], "option -c needs a path"),
    ])
    func invalidArgumentsAreRejected(arguments: [String], message: String) {
        #expect {
            try DaemonOptions.parse(arguments)
        } throws: { error in
            (error as? OptionError)?.message.hasPrefix(message) == true
        }
    }
}
