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

/// One Segura object: the unit that one change at a time applies to, and that grants and audit records name.
public struct Target: Sendable, Hashable, CustomStringConvertible {
    /// The object's kind.
    public var kind: TargetKind
    /// Segura's numeric id of the object.
    public var id: Int

    public init(kind: TargetKind, id: Int) {
        self.kind = kind
        self.id = id
    }

    /// `kind id`, as the command grammar spells it.
    public var description: String { "\(self.kind.rawValue) \(self.id)" }
}
