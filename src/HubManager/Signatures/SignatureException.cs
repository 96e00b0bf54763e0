namespace HubManager.Signatures;

/// <summary>
/// A release whose signature does not hold, or a trust file that cannot be read: the message is one sentence that
/// names the check that failed (no signature, malformed signature file, wrong namespace, unknown key, unsupported key,
/// key not valid now, bad signature, or an unusable allowed_signers file) and never quotes more than an excerpt of what
/// was read.
/// </summary>
public sealed class SignatureException(string message) : Exception(message);
