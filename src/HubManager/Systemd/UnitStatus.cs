using Tmds.DBus.Protocol;

namespace HubManager.Systemd;

/// <summary>
/// One consistent reading of the properties an operator asks about, from the unit's
/// <c>org.freedesktop.systemd1.Unit</c> and <c>org.freedesktop.systemd1.Service</c> interfaces.
/// </summary>
public sealed record UnitStatus(
    string LoadState,
    string ActiveState,
    string SubState,
    uint MainPid,
    uint NRestarts,
    DateTimeOffset? ExecMainStartTimestamp,
    string Result)
{
    /// <summary>The hub counts as running exactly when systemd says the unit is <c>active</c>.</summary>
    public bool Running => ActiveState == "active";

    public bool Exists => LoadState != "not-found";

    internal sealed class Builder
    {
        public string LoadState = "", ActiveState = "", SubState = "", Result = "";
        public uint MainPid, NRestarts;
        public ulong ExecMainStartTimestamp;

        public UnitStatus Build() => new(LoadState, ActiveState, SubState, MainPid, NRestarts,
            ExecMainStartTimestamp == 0 ? null : DateTimeOffset.UnixEpoch.AddTicks((long)ExecMainStartTimestamp * 10),
            Result);

        /// <summary>Keeps a property of the documented type; any other type is skipped rather than trusted.</summary>
        public void Apply(string name, VariantValue value)
        {
            switch (name)
            {
                case "LoadState" when value.Type == VariantValueType.String: LoadState = value.GetString(); break;
                case "ActiveState" when value.Type == VariantValueType.String: ActiveState = value.GetString(); break;
                case "SubState" when value.Type == VariantValueType.String: SubState = value.GetString(); break;
                case "Result" when value.Type == VariantValueType.String: Result = value.GetString(); break;
                case "MainPID" when value.Type == VariantValueType.UInt32: MainPid = value.GetUInt32(); break;
                case "NRestarts" when value.Type == VariantValueType.UInt32: NRestarts = value.GetUInt32(); break;
                case "ExecMainStartTimestamp" when value.Type == VariantValueType.UInt64: ExecMainStartTimestamp = value.GetUInt64(); break;
            }
        }
    }
}
