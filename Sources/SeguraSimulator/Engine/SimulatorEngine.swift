import Foundation
import NIOHTTP1

/// The simulator's behaviour without any I/O: it turns one request into one ``SimulatorOutcome`` and keeps the
/// store, tokens, faults, counters and call log.
///
/// A plain value type so that tests drive it directly, with their own clock readings; ``SharedSimulatorEngine``
/// puts it behind a lock for the server.
struct SimulatorEngine: Sendable {
    /// How many operation calls ``calls`` keeps: every call of a test or script, while a benchmark of millions
    /// of calls holds of the order of 10 MB.
    static let callLogCapacity = 100_000

    /// The configuration the engine was created with (already validated).
    let configuration: SimulatorConfiguration
    /// The store: items not present are "not found".
    private(set) var objects: [ObjectKey: ObjectState]
    /// Live tokens and the instant each one expires.
    var tokens: [String: ContinuousClock.Instant] = [:]
    /// `false` makes every PAM operation answer 1039.
    var writePermission = true
    /// Pending faults, oldest first.
    var faults: [FaultRule] = []
    /// The counters behind ``SeguraSimulator/stats``.
    var stats = SimulatorStats()
    /// The entries behind ``calls``; cleared with the counters.
    private var callLog = CallLog(capacity: Self.callLogCapacity)
    /// Operation requests received and not yet answered, per item; the transport reports both ends.
    private var callsInFlight: [ObjectKey: Int] = [:]
    /// The sum of ``callsInFlight``.
    private var totalCallsInFlight = 0

    /// Creates an engine with the configuration's store; call ``SimulatorConfiguration/validate()`` first.
    init(configuration: SimulatorConfiguration) {
        self.configuration = configuration
        self.objects = Dictionary(
            uniqueKeysWithValues: configuration.objects.map { (ObjectKey(kind: $0.kind, id: $0.id), $0.state) }
        )
    }

    /// Answers one request received at `now`.
    ///
    /// Order, as Kong and Segura would apply it: the control API; the token endpoint; for `/api` and `/iso`
    /// paths the bearer token, then the counters, then any matching fault, then Segura's normal answer (and the
    /// call log, which needs that answer); otherwise Kong's "no Route matched".
    mutating func handle(_ request: SimulatorRequest, at now: ContinuousClock.Instant) -> SimulatorOutcome {
        let route = SimulatorRoute(
            method: request.method, path: request.path, tokenPaths: self.configuration.tokenPaths)
        switch route {
        case .control(let components):
            guard request.peerIsLoopback else {
                return .respond(.kongNoRoute(for: request))
            }
            return .respond(self.handleControl(request, components: components))
        case .token:
            return self.answer(request, on: .token) { $0.issueToken(request, at: now) }
        case .operation(let operation):
            guard self.isAuthorized(request, at: now) else {
                return .respond(self.invalidTokenResponse(for: request))
            }
            let receivedAt = Date.now
            self.stats.apiCalls += 1
            self.stats.callsByOperation[operation.statsKey, default: 0] += 1
            let appliedChangesBefore = self.stats.appliedChanges
            let outcome = self.answer(request, on: .operation(operation)) { $0.perform(operation) }
            self.logCall(
                operation, receivedAt: receivedAt, outcome: outcome,
                applied: self.stats.appliedChanges > appliedChangesBefore)
            return outcome
        case .otherAPI:
            guard self.isAuthorized(request, at: now) else {
                return .respond(self.invalidTokenResponse(for: request))
            }
            return self.answer(request, on: .otherAPI) { _ in .seguraError(.notFound, "Resource sub not found") }
        case .noRoute:
            return .respond(.kongNoRoute(for: request))
        }
    }

    /// Notes that an operation request on an item arrived, for the concurrency high-water marks; returns the
    /// item to pass to ``endCall(on:)`` once the answer is written, or `nil` for other routes.
    mutating func beginCall(_ request: SimulatorRequest) -> ObjectKey? {
        guard case .operation(let operation) = SimulatorRoute(method: request.method, path: request.path, tokenPaths: self.configuration.tokenPaths) else {
            return nil
        }
        let item = ObjectKey(kind: operation.kind, id: operation.id)
        self.callsInFlight[item, default: 0] += 1
        self.totalCallsInFlight += 1
        self.stats.maxConcurrentCalls = max(self.stats.maxConcurrentCalls, self.totalCallsInFlight)
        self.stats.maxConcurrentCallsPerItem = max(self.stats.maxConcurrentCallsPerItem, self.callsInFlight[item]!)
        return item
    }

    /// Notes that the answer to a call on `item` was written (or the connection reset).
    mutating func endCall(on item: ObjectKey) {
        self.callsInFlight[item, default: 1] -= 1
        if self.callsInFlight[item] == 0 { self.callsInFlight[item] = nil }
        self.totalCallsInFlight -= 1
    }

    /// The operation calls counted in ``SimulatorStats/apiCalls``, oldest first: the most recent
    /// ``callLogCapacity`` since the engine started or the counters were last reset.
    var calls: [SimulatorCall] {
        self.callLog.calls
    }

    /// Zeroes the counters and empties the call log, so that both describe the same calls.
    mutating func resetStats() {
        self.stats = SimulatorStats()
        self.callLog = CallLog(capacity: Self.callLogCapacity)
    }

    /// Counts one accepted TCP connection.
    mutating func recordAcceptedConnection() {
        self.stats.acceptedConnections += 1
    }

    /// The state of one item, `nil` when it is "not found".
    func objectState(_ kind: ObjectKind, id: Int) -> ObjectState? {
        self.objects[ObjectKey(kind: kind, id: id)]
    }

    /// Sets or (with `nil`) removes one item; the state must be in `kind.supportedStates`.
    mutating func setObject(_ kind: ObjectKind, id: Int, state: ObjectState?) throws(SimulatorError) {
        if let state, !kind.supportedStates.contains(state) {
            throw .unsupportedState(kind, state)
        }
        self.objects[ObjectKey(kind: kind, id: id)] = state
    }

    /// Segura's answer to an operation, applying the state change it reports.
    private mutating func perform(_ operation: SimulatedOperation) -> SimulatorResponse {
        let key = ObjectKey(kind: operation.kind, id: operation.id)
        let outcome = operation.outcome(for: self.objects[key], writePermission: self.writePermission)
        if case .success(_, _, let newState?) = outcome {
            self.objects[key] = newState
            self.stats.appliedChanges += 1
        }
        return .segura(outcome)
    }

    /// Adds an operation call answered with `outcome` to the call log.
    private mutating func logCall(
        _ operation: SimulatedOperation,
        receivedAt: Date,
        outcome: SimulatorOutcome,
        applied: Bool
    ) {
        let status: Int? =
            switch outcome {
            case .respond(let response, _): Int(response.status.code)
            case .resetConnection: nil
            }
        self.callLog.append(
            SimulatorCall(
                operation: operation.statsKey,
                kind: operation.kind,
                id: operation.id,
                action: operation.action,
                receivedAtMilliseconds: Int64((receivedAt.timeIntervalSince1970 * 1000).rounded(.down)),
                status: status,
                applied: applied
            ))
    }
}

/// The most recent `capacity` operation calls, oldest first.
///
/// A ring rather than an array trimmed at the front: once full, dropping an array's first entry would move every
/// other one, on every call of a long benchmark, under the lock all connections wait on.
struct CallLog: Sendable {
    /// How many calls the log keeps.
    let capacity: Int
    private var entries: [SimulatorCall] = []
    /// Once the log is full, the index of the oldest entry, which the next call replaces.
    private var oldest = 0

    /// Creates an empty log; `capacity` must be positive.
    init(capacity: Int) {
        self.capacity = capacity
    }

    /// Adds `call`, dropping the oldest entry when the log is full.
    mutating func append(_ call: SimulatorCall) {
        guard self.entries.count == self.capacity else {
            self.entries.append(call)
            return
        }
        self.entries[self.oldest] = call
        self.oldest = (self.oldest + 1) % self.capacity
    }

    /// The calls, oldest first.
    var calls: [SimulatorCall] {
        Array(self.entries[self.oldest...] + self.entries[..<self.oldest])
    }
}
