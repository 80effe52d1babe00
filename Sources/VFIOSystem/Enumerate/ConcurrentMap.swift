import Dispatch
import VFIOCore

/// Reads devices on every CPU. Enumeration is one independent read of each device directory, almost
/// all of it system-call time, so a large tree is read in a fraction of the wall time; results keep
/// the input order, so output does not depend on scheduling. Small inputs stay on one thread, where
/// starting workers would cost more than they save.
enum ConcurrentMap {
    /// Below this many items the map runs on the calling thread.
    static let threshold = 256

    static func map<Input: Sendable, Output: Sendable>(
        _ inputs: [Input], _ transform: @Sendable (Input) -> Output
    ) -> [Output] {
        guard inputs.count >= threshold else { return inputs.map(transform) }
        let results = Slots<Output>(count: inputs.count)
        // A few chunks per worker balance uneven devices (a PF with many VFs, a deep storage tree).
        let chunkSize = 64
        let chunks = (inputs.count + chunkSize - 1) / chunkSize
        inputs.withUnsafeBufferPointer { buffer in
            let items = UncheckedBox(buffer)
            DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
                let start = chunk * chunkSize
                for index in start..<min(start + chunkSize, items.value.count) {
                    results.set(index, transform(items.value[index]))
                }
            }
        }
        return results.collect()
    }
}

/// One slot per result, each written by exactly one worker before `collect` runs.
private final class Slots<Element>: @unchecked Sendable {
    private var storage: UnsafeMutablePointer<Element?>
    private let count: Int

    init(count: Int) {
        self.count = count
        storage = .allocate(capacity: count)
        storage.initialize(repeating: nil, count: count)
    }

    deinit {
        storage.deinitialize(count: count)
        storage.deallocate()
    }

    func set(_ index: Int, _ value: Element) { storage[index] = value }

    /// Called after every worker finished (concurrentPerform returns only then).
    func collect() -> [Element] { (0..<count).map { storage[$0]! } }
}

/// A read-only buffer shared with the workers for the duration of concurrentPerform.
private struct UncheckedBox<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
