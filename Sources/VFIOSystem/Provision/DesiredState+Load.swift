import VFIOCore

extension DesiredState {
    /// Reads and parses a desired-state file (a regular file of bounded size, see `TextFile`).
    public static func load(_ path: String) throws(VFIOError) -> DesiredState {
        let text: String
        do { text = try TextFile.read(path) } catch { throw error.vfioError() }
        return try parse(text, file: path)
    }
}
