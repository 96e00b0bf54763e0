using HubManager.Systemd;

namespace HubManager.Tests.Systemd;

public class UnitNameTests
{
    [Test]
    [Arguments("ai-hub.service", "/org/freedesktop/systemd1/unit/ai_2dhub_2eservice")]
    [Arguments("dbus.service", "/org/freedesktop/systemd1/unit/dbus_2eservice")]
    [Arguments("2fa.service", "/org/freedesktop/systemd1/unit/_32fa_2eservice")]
    [Arguments("getty@tty1.service", "/org/freedesktop/systemd1/unit/getty_40tty1_2eservice")]
    public async Task Object_path_is_escaped_like_systemd(string unit, string expected)
    {
        await Assert.That(UnitName.ObjectPath(unit)).IsEqualTo(expected);
    }

    [Test]
    [Arguments("ai-hub.service", true)]
    [Arguments("getty@tty1.service", true)]
    [Arguments("ai-hub", false)]
    [Arguments("ai-hub.socket", false)]
    [Arguments(".service", false)]
    [Arguments("getty@.service", false)]
    [Arguments("ai hub.service", false)]
    [Arguments("../x.service", false)]
    public async Task Only_service_names_are_accepted(string unit, bool valid)
    {
        await Assert.That(UnitName.IsValidService(unit)).IsEqualTo(valid);
    }
}
