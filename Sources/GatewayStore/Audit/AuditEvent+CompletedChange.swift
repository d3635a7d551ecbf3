import GatewayVocabulary

extension AuditEvent {
    /// The decisions that complete a change to their target: Segura applied it or found the target already in
    /// that state, or a revocation disabled it.
    private static let completions: Set<AuditDecision> = [.applied, .alreadyInState, .grantRevoked]

    /// The target whose latest completed change this event records, if it records one; every backend keeps it
    /// so that a delivery acted on again never undoes a change that completed after its earlier attempt.
    package var completedChangeTarget: (kind: TargetKind, id: String)? {
        guard Self.completions.contains(self.decision), let kind = self.targetKind, let id = self.targetID else { return nil }
        return (kind, id)
    }
}
