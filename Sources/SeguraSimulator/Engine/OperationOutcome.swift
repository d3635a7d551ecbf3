/// What Segura answers to one operation, before it is put in an envelope.
enum OperationOutcome: Equatable {
    /// HTTP 200 with this message; `newState` is the item's state afterwards (`nil` when it did not change).
    case success(String, key: SeguraEnvelope.MessageKey = .mensagem, newState: ObjectState?)
    /// HTTP 400 with a numbered business error, e.g. `1043: Credential is already activated!`.
    case failure(code: Int, message: String)
}
