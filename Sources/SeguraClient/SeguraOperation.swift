import CurlHTTPClient
import GatewayVocabulary

/// One enable or disable of one Segura object: the unit the client performs and retries.
public struct SeguraOperation: Sendable, Hashable, CustomStringConvertible {
    /// What to change.
    public var action: TargetAction
    /// The kind of object.
    public var kind: TargetKind
    /// Segura's numeric id of the object (`[id]` or MySafe's `[identifier]`).
    public var id: Int

    /// Creates an operation.
    public init(_ action: TargetAction, _ kind: TargetKind, id: Int) {
        self.action = action
        self.kind = kind
        self.id = id
    }

    public var description: String { "\(self.action.rawValue) \(self.kind.rawValue) \(self.id)" }

    /// The method and path Segura documents for this operation (segura-api.md §2).
    ///
    /// PAM paths take the configured prefix (`/api` from v3.33, `/iso` before). MySafe was always
    /// under `/api`, so its path ignores the prefix.
    func route(apiPrefix: String) -> (method: OutboundRequest.Method, path: String) {
        let pam = { (resource: String) in
            (method: self.action == .enable ? OutboundRequest.Method.put : .delete, path: "\(apiPrefix)/pam/\(resource)/\(self.id)")
        }
        switch self.kind {
        case .password: return (.post, "/api/mysafe/password/\(self.action == .enable ? "active" : "inactive")/\(self.id)")
        case .credential: return pam("credential")
        case .device: return pam("device")
        case .sshKey: return pam("key")
        }
    }
}
