using System.Security.Cryptography;
using HubManager.Updates;

namespace HubManager.Tests.Updates;

/// <summary>The hash computed on a second core is the hash of the bytes in the order appended, whatever their pieces.</summary>
public class BackgroundHashTests
{
    [Test]
    [Arguments(0)]
    [Arguments(1)]
    [Arguments(512 * 1024)]
    [Arguments(8 * 512 * 1024 + 17)]
    [Arguments(21 * 1024 * 1024 + 3)]
    public async Task It_equals_the_one_shot_hash(int length)
    {
        var data = RandomNumberGenerator.GetBytes(length);
        using var background = new BackgroundHash(HashAlgorithmName.SHA512);
        var random = new Random(length);
        for (var at = 0; at < length;)
        {
            // Pieces like a socket's reads: from one byte to more than a chunk.
            var piece = Math.Min(length - at, random.Next(1, 700_000));
            await background.AppendAsync(data.AsMemory(at, piece));
            at += piece;
        }

        await Assert.That(Convert.ToHexString(await background.FinishAsync())).IsEqualTo(Convert.ToHexString(SHA512.HashData(data)));
    }
}
