/// Voltage selection for PC_to_RDR_IccPowerOn.
public enum PowerSequence {
    /// The `bPowerSelect` values to try in order, at most three.
    ///
    /// Readers with automatic voltage selection or activation get one automatic attempt.
    /// Otherwise the start voltage moves to a supported one (5 V → 3 V → 1.8 V → 5 V, as
    /// libccid does). The attempts then cycle 5 V → 1.8 V → 3 V, 3 V → 5 V → 1.8 V or
    /// 1.8 V → 3 V → 5 V, and skip voltages `bVoltageSupport` leaves out. A reader that
    /// declares no voltage at all gets the full cycle.
    public static func attempts(start: PowerSelect, features: CCIDFeatures, voltageSupport: VoltageSupport) -> [PowerSelect] {
        if features.contains(.automaticVoltageSelection) || features.contains(.automaticActivation) {
            return [.automatic]
        }
        if start == .automatic {
            return [.automatic]
        }

        let first = voltageSupport.isEmpty ? start : supportedStart(start, voltageSupport)
        let cycle = [first, previous(first), previous(previous(first))]
        if voltageSupport.isEmpty {
            return cycle
        }
        let supported = cycle.filter { isSupported($0, voltageSupport) }
        return supported.isEmpty ? [.automatic] : supported
    }

    private static func supportedStart(_ start: PowerSelect, _ support: VoltageSupport) -> PowerSelect {
        var candidate = start
        for _ in 0..<3 where !isSupported(candidate, support) {
            candidate = next(candidate)
        }
        return candidate
    }

    /// 5 V → 3 V → 1.8 V → 5 V.
    private static func next(_ select: PowerSelect) -> PowerSelect {
        switch select {
        case .volts5: .volts3
        case .volts3: .volts1_8
        case .volts1_8: .volts5
        case .automatic: .automatic
        }
    }

    /// Returns the next voltage in libccid's retry order: bPowerSelect minus one, 5 V
    /// wrapping to 1.8 V.
    private static func previous(_ select: PowerSelect) -> PowerSelect {
        switch select {
        case .volts5: .volts1_8
        case .volts3: .volts5
        case .volts1_8: .volts3
        case .automatic: .automatic
        }
    }

    private static func isSupported(_ select: PowerSelect, _ support: VoltageSupport) -> Bool {
        switch select {
        case .volts5: support.contains(.volts5)
        case .volts3: support.contains(.volts3)
        case .volts1_8: support.contains(.volts1_8)
        case .automatic: true
        }
    }
}
