/// The identity of an item in the store.
struct ObjectKey: Hashable {
    /// The family of endpoints.
    var kind: ObjectKind
    /// The id in the path.
    var id: Int
}
