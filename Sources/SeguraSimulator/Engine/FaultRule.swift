/// One injected fault and how many more requests it applies to.
struct FaultRule: Sendable, Equatable {
    /// What the selected requests get.
    var fault: Fault
    /// Which requests are selected.
    var matcher: RouteMatcher
    /// Requests left; `Int.max` never runs out.
    var remaining: Int
}
