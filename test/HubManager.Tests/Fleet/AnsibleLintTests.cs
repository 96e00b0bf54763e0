using HubManager.Tests.Sandbox;

namespace HubManager.Tests.Fleet;

/// <summary>
/// packaging/ansible as Debian's ansible-lint (production profile, .ansible-lint) and ansible-playbook --syntax-check
/// read it: nothing to say about either playbook or the role.
/// </summary>
public class AnsibleLintTests
{
    [Test]
    public async Task Ansible_lint_has_nothing_to_say()
    {
        var lint = await Shell.RunAsync("/usr/bin/env", ["-C", PlaybookRun.Directory, "NO_COLOR=1", "ansible-lint", "--offline"],
            timeout: TimeSpan.FromMinutes(3));

        await Assert.That(lint.ExitCode).IsEqualTo(0).Because(lint.Stdout + lint.Stderr);
        await Assert.That(lint.Stderr).Contains("Passed with production profile");
    }

    [Test]
    [Arguments("deploy.yml")]
    [Arguments("rollout.yml")]
    public async Task The_playbook_passes_the_syntax_check(string playbook)
    {
        var check = await Shell.RunAsync("/usr/bin/env", [$"ANSIBLE_CONFIG={Path.Combine(PlaybookRun.Directory, "ansible.cfg")}",
            "ansible-playbook", "--syntax-check", "-i", "localhost,", Path.Combine(PlaybookRun.Directory, playbook)]);

        await Assert.That(check.ExitCode).IsEqualTo(0).Because(check.Stdout + check.Stderr);
    }
}
