using System.Runtime.InteropServices;

namespace HubManager.Journal;

/// <summary>An sd-journal call failed; the message names the function and the errno text.</summary>
public sealed class JournalException(string function, int errno)
    : Exception($"{function} failed: {Marshal.GetPInvokeErrorMessage(errno)}");
