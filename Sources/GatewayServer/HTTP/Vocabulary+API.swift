import GatewayAPI
import GatewayVocabulary

// The generated types spell the vocabulary again, from `openapi.yaml`. These conversions are exhaustive switches,
// so a case added on either side stops the build until both agree; error codes, too many for a switch, are kept
// equal by a test (`theErrorCatalogueAndTheContractListTheSameCodes`).

extension Components.Schemas.TargetKind {
    init(_ kind: TargetKind) {
        switch kind {
        case .credential: self = .credential
        case .password: self = .password
        case .device: self = .device
        case .sshKey: self = .sshKey
        }
    }
}

extension TargetKind {
    init(_ kind: Components.Schemas.TargetKind) {
        switch kind {
        case .credential: self = .credential
        case .password: self = .password
        case .device: self = .device
        case .sshKey: self = .sshKey
        }
    }
}

extension Components.Schemas.ErrorCode {
    /// The contract's spelling of `code`; the test that keeps both lists equal makes the fallback unreachable.
    init(_ code: ErrorCode) {
        self = Self(rawValue: code.rawValue) ?? .internalError
    }
}
