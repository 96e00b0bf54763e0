// The suite drives a Linux daemon, systemd and the journal: it runs on Linux only, like the code it tests.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
