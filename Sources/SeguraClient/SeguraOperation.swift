import CurlHTTPClient

/// The kinds of Segura object the gateway can switch on and off.
public enum TargetKind: String, Sendable, Hashable, CaseIterable, Codable {
    /// A PAM Core credential (`/pam/credential`).
    case credential
    /// A MySafe password (`/api/mysafe/password`).
    case password
    /// A PAM Core device (`/pam/device`).
    case device
    /// A PAM Core SSH key (`/pam/key`).
    case sshKey = "ssh_key"
}

/// The desired state change.
public enum TargetAction: String, Sendable, Hashable, CaseIterable, Codable {
    /// Activate the object.
    case enable
    /// Deactivate the object (Segura's `DELETE` deactivates; it never deletes).
    case disable
}

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
