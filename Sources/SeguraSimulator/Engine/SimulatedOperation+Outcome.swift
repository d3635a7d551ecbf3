extension SimulatedOperation {
    /// The documented answer for this operation on an item in `state` (`nil`: no such item).
    ///
    /// Sources (segura-api.md §2, §4, §5 and the seed pages): PAM enable/disable is not idempotent (1043, 1008,
    /// 1044, 1045, 1017), MySafe is (200 "has already been …"), and a missing write permission answers 1039 on
    /// every PAM call before the item is even looked up.
    ///
    /// Assumptions where the reference is silent:
    /// - Device success texts "Device successfully activated" / "Device successfully deactivated" are
    ///   undocumented wording (the disable page only shows the capitalised `"Message"` key, which is kept).
    /// - Disabling an already-inactive device is undocumented (the Ansible module treats any 400 as
    ///   "unchanged"); the simulator answers 200 "Device successfully deactivated" and changes nothing.
    /// - "1045: Key is already active": the number is documented, the wording is not.
    /// - SSH-key enable answers "Credential successfully activated" (sic), as its doc page shows.
    func outcome(for state: ObjectState?, writePermission: Bool) -> OperationOutcome {
        if self.kind != .password && !writePermission {
            return .failure(code: 1039, message: "Without PAM Configuration Access permission")
        }
        switch state {
        case nil:
            return self.notFound
        case .noAccess:
            return self.noAccess
        case .wrongKind:
            return self.wrongKind
        case .some(let current) where current == self.targetState:
            return self.alreadyInTargetState
        case .active, .inactive:
            return self.changed
        }
    }

    private var notFound: OperationOutcome {
        switch self.kind {
        case .credential: .failure(code: 1007, message: "Credential not found")
        case .password: .failure(code: 1005, message: "Password not found")
        case .device: .failure(code: 1011, message: "Device not found")
        case .sshKey: .failure(code: 1015, message: "SSH key not found")
        }
    }

    private var noAccess: OperationOutcome {
        switch self.kind {
        case .credential, .sshKey: .failure(code: 1009, message: "No access to credential")
        case .password: .failure(code: 1006, message: "User does not have access")
        case .device: preconditionFailure("ObjectKind.supportedStates excludes no_access for devices")
        }
    }

    private var wrongKind: OperationOutcome {
        switch self.kind {
        case .credential: .failure(code: 1010, message: "The item is not a credential")
        case .sshKey: .failure(code: 1016, message: "The item is not a ssh key")
        case .password, .device: preconditionFailure("ObjectKind.supportedStates excludes wrong_kind here")
        }
    }

    private var alreadyInTargetState: OperationOutcome {
        switch (self.kind, self.action) {
        case (.credential, .enable): .failure(code: 1043, message: "Credential is already activated!")
        case (.credential, .disable): .failure(code: 1008, message: "Credential inactive")
        case (.password, .enable): .success("Password has already been activated", newState: nil)
        case (.password, .disable): .success("Password has already been deactivated", newState: nil)
        case (.device, .enable): .failure(code: 1044, message: "Device is already activated")
        case (.device, .disable): .success("Device successfully deactivated", key: .capitalised, newState: nil)
        case (.sshKey, .enable): .failure(code: 1045, message: "Key is already active")
        case (.sshKey, .disable): .failure(code: 1017, message: "Key inactive")
        }
    }

    private var changed: OperationOutcome {
        let target = self.targetState
        return switch (self.kind, self.action) {
        case (.credential, .enable): .success("Credential successfully activated", key: .capitalised, newState: target)
        case (.credential, .disable): .success("Credential successfully deactivated", newState: target)
        case (.password, .enable): .success("Password successfully activated", newState: target)
        case (.password, .disable): .success("Password successfully deactivated", newState: target)
        case (.device, .enable): .success("Device successfully activated", newState: target)
        case (.device, .disable): .success("Device successfully deactivated", key: .capitalised, newState: target)
        case (.sshKey, .enable): .success("Credential successfully activated", key: .capitalised, newState: target)
        case (.sshKey, .disable): .success("Key successfully deactivated", newState: target)
        }
    }
}
