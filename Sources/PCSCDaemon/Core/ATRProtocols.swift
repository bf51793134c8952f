import PCSCTypes

/// The protocols an ATR offers, by pcscd's rules: every T=0/T=1 named by a TDi byte is
/// available, the first one is the default (T=0 without any TD), and TA2 (specific mode)
/// restricts both to its protocol.
// TODO: use the CCID module's full ATR parser once it lands; this only walks the TD chain.
struct ATRProtocols: Equatable {
    var available: CardProtocols = []
    var defaultProtocol: CardProtocols = .t0

    init(atr: [UInt8]) {
        guard atr.count >= 2 else {
            available = .t0
            return
        }
        var index = 1
        var presence = atr[1] >> 4
        var group = 1
        var firstProtocol: UInt8?
        var specificProtocol: UInt8?

        while true {
            let hasTA = presence & 0x1 != 0
            if hasTA && group == 2 {
                if index + 1 < atr.count { specificProtocol = atr[index + 1] & 0x0F }
            }
            if hasTA { index += 1 }
            if presence & 0x2 != 0 { index += 1 }
            if presence & 0x4 != 0 { index += 1 }
            guard presence & 0x8 != 0 else { break }
            index += 1
            guard index < atr.count else { break }
            let td = atr[index]
            let protocolNumber = td & 0x0F
            if firstProtocol == nil { firstProtocol = protocolNumber }
            if protocolNumber == 0 { available.insert(.t0) }
            if protocolNumber == 1 { available.insert(.t1) }
            presence = td >> 4
            group += 1
            if group > 7 { break }
        }

        if available.isEmpty { available = .t0 }
        defaultProtocol = firstProtocol == 1 ? .t1 : .t0
        if let specific = specificProtocol {
            let forced: CardProtocols = specific == 1 ? .t1 : .t0
            available = forced
            defaultProtocol = forced
        }
    }
}
