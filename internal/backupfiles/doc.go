// Package backupfiles owns the files of one downloaded Zoho CRM backup:
// the directory <directory>/<backup_id>/, the <file>.part files that a
// download streams into, their verification and atomic rename into place,
// and manifest.json, which lists every file that is complete.
//
// It knows nothing of Terraform nor of the Zoho client: the download itself
// (HTTP, Range resume, the host allow-list) lives in internal/zoho and writes
// into a *PartFile through an io.Writer that also reports its size and can be
// truncated; the action in internal/provider is the glue. Keeping the files
// apart lets every rule here be unit tested on its own.
//
// The discipline, in order:
//
//   - Open checks the backup id (decimal digits only) and creates the backup
//     directory, refusing a symlink in its place. Every later operation goes
//     through an os.Root opened on that directory, so no file name and no
//     symlink planted inside it can reach a file outside it.
//   - OpenPart refuses any file name that is not a plain name (see
//     ValidName), then opens or creates <name>.part in append mode and hashes
//     the bytes already there, so that the SHA-256 of a resumed download
//     covers the whole file.
//   - Commit checks the size, syncs the file to disk, optionally reads every
//     ZIP entry to check its CRC-32 (Zoho publishes no checksum), and only
//     then renames <name>.part to <name> and syncs the directory. A .part that
//     can never become the right file (larger than expected, not a ZIP, an
//     entry that fails its CRC) is moved aside to <name>.corrupt: resuming it
//     would only append to the same damage. The next download of that name
//     starts from zero, and a successful Commit removes the .corrupt file.
//   - Record adds the committed file to manifest.json, which is rewritten
//     atomically (temporary file, sync, rename, directory sync) in a stable
//     order. Completed tells a later invocation that a file is already
//     there: listed in the manifest with the same size and SHA-256 as the
//     file on disk, re-hashed to be sure.
//
// Long operations (hashing an existing .part, verifying, re-hashing a
// committed file) take a context and stop when it is cancelled, so Ctrl-C
// stops within a second even in the middle of a 1 GB file.
//
// A Dir and its PartFiles are meant for one invocation of one process:
// Record serializes writers within the process, but two processes writing
// the same backup directory at the same time may lose a manifest entry (never
// corrupt the manifest); the lost file is then downloaded again.
package backupfiles
