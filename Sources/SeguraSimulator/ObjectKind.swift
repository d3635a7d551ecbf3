/// The four kinds of Segura item whose enable/disable operations the simulator serves.
///
/// The raw values are the spellings the control API and seed files use.
public enum ObjectKind: String, Sendable, CaseIterable, Codable {
    /// A PAM credential: `PUT`/`DELETE {prefix}/pam/credential/{id}`.
    case credential
    /// A MySafe password: `POST /api/mysafe/password/{active|inactive}/{id}`.
    case password
    /// A PAM device: `PUT`/`DELETE {prefix}/pam/device/{id}`.
    case device
    /// A PAM SSH key: `PUT`/`DELETE {prefix}/pam/key/{id}`.
    case sshKey = "ssh_key"

    /// The states Segura documents an answer for, for this kind.
    ///
    /// The reference documents "no access" and "not a …" errors for credentials and SSH keys, "no access" for
    /// MySafe passwords and neither for devices, so the simulator refuses to hold an undocumented state rather
    /// than invent an answer for it.
    public var supportedStates: Set<ObjectState> {
        switch self {
        case .credential, .sshKey: [.active, .inactive, .noAccess, .wrongKind]
        case .password: [.active, .inactive, .noAccess]
        case .device: [.active, .inactive]
        }
    }
}
