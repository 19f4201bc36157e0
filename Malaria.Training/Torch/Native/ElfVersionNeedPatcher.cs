using System.Buffers.Binary;
using System.Text;

namespace Malaria.Training.Torch.Native;

/// <summary>
/// Marks chosen symbol-version requirements of an ELF64 little-endian shared library as weak
/// (<c>VER_FLG_WEAK</c> in its <c>.gnu.version_r</c> section), so the dynamic loader no longer refuses the library
/// when an older dependency lacks that version. Only safe for versions no relocated symbol really needs.
/// </summary>
internal static class ElfVersionNeedPatcher
{
    private const uint ShtGnuVerneed = 0x6ffffffe;
    private const ushort VerFlagWeak = 0x2;

    /// <summary>
    /// Sets <c>VER_FLG_WEAK</c> on every requirement of <paramref name="fromFile"/> (a DT_NEEDED name such as
    /// <c>libstdc++.so.6</c>) whose version name satisfies <paramref name="shouldWeaken"/>; returns the names changed.
    /// </summary>
    public static IReadOnlyList<string> MarkWeak(byte[] elf, string fromFile, Func<string, bool> shouldWeaken)
    {
        ArgumentNullException.ThrowIfNull(elf);
        ArgumentNullException.ThrowIfNull(shouldWeaken);
        var span = elf.AsSpan();
        if (elf.Length < 64 || span[0] != 0x7f || span[1] != (byte)'E' || span[2] != (byte)'L' || span[3] != (byte)'F')
            throw new InvalidDataException("Not an ELF file.");
        if (span[4] != 2 || span[5] != 1)
            throw new InvalidDataException("Only 64-bit little-endian ELF files are supported.");

        var sectionTable = checked((int)U64(span, 0x28));
        var sectionSize = U16(span, 0x3A);
        var sectionCount = U16(span, 0x3C);
        var changed = new List<string>();
        for (var i = 0; i < sectionCount; i++)
        {
            var header = sectionTable + i * sectionSize;
            if (U32(span, header + 4) != ShtGnuVerneed) continue;
            var offset = checked((int)U64(span, header + 0x18));
            var stringTable = checked((int)U64(span, sectionTable + (int)U32(span, header + 0x28) * sectionSize + 0x18));

            // Elf64_Verneed {vn_version u16, vn_cnt u16, vn_file u32, vn_aux u32, vn_next u32}, chained by vn_next;
            // Elf64_Vernaux {vna_hash u32, vna_flags u16, vna_other u16, vna_name u32, vna_next u32}, chained by vna_next.
            for (var need = offset; ; )
            {
                var count = U16(span, need + 2);
                var file = CString(span, stringTable + (int)U32(span, need + 4));
                for (int k = 0, aux = need + (int)U32(span, need + 8); k < count; k++)
                {
                    var name = CString(span, stringTable + (int)U32(span, aux + 8));
                    if (file == fromFile && shouldWeaken(name))
                    {
                        var flags = (ushort)(U16(span, aux + 4) | VerFlagWeak);
                        BinaryPrimitives.WriteUInt16LittleEndian(span[(aux + 4)..], flags);
                        changed.Add(name);
                    }
                    var nextAux = U32(span, aux + 12);
                    if (nextAux == 0) break;
                    aux += (int)nextAux;
                }
                var next = U32(span, need + 12);
                if (next == 0) break;
                need += (int)next;
            }
        }
        return changed;
    }

    /// <summary>Whether the file's bytes contain <paramref name="name"/> as a NUL-terminated string (a version definition's name lives in .dynstr).</summary>
    public static bool ContainsVersionName(ReadOnlySpan<byte> elf, string name)
    {
        var needle = Encoding.ASCII.GetBytes(name + "\0");
        for (var start = 0; ;)
        {
            var found = elf[start..].IndexOf(needle);
            if (found < 0) return false;
            var at = start + found;
            if (at == 0 || elf[at - 1] == 0) return true;
            start = at + 1;
        }
    }

    private static ushort U16(ReadOnlySpan<byte> s, int at) => BinaryPrimitives.ReadUInt16LittleEndian(s[at..]);
    private static uint U32(ReadOnlySpan<byte> s, int at) => BinaryPrimitives.ReadUInt32LittleEndian(s[at..]);
    private static ulong U64(ReadOnlySpan<byte> s, int at) => BinaryPrimitives.ReadUInt64LittleEndian(s[at..]);

    private static string CString(ReadOnlySpan<byte> s, int at)
    {
        var end = s[at..].IndexOf((byte)0);
        return Encoding.ASCII.GetString(s.Slice(at, end));
    }
}
