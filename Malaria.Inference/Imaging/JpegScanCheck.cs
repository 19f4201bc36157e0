using System.Buffers.Binary;

namespace Malaria.Inference.Imaging;

/// <summary>
/// Checks that every scan of a sequential (baseline or extended) Huffman-coded JPEG holds all of its blocks.
/// The decoder cannot be asked: when libjpeg-turbo, inside SkiaSharp 2.88, meets a marker where scan data should
/// continue (a file cut short and given an EOI, or a damaged scan), it warns, fills the missing blocks with flat grey,
/// and <c>SKCodec.GetPixels</c> still answers Success; incremental decoding is not implemented for JPEG, and the
/// scanline decoder returns every row. So the Huffman codes are walked here, just far enough to count blocks (no
/// dequantisation, no inverse DCT), which allocates nothing in proportion to the image.
/// Progressive, lossless and arithmetic-coded JPEGs are left to the decoder.
/// </summary>
internal static class JpegScanCheck
{
    /// <exception cref="InvalidImageException">A scan stops before its last block, or holds an invalid code (Corrupt).</exception>
    public static void Check(ReadOnlySpan<byte> data, string source)
    {
        var tables = new HuffmanTable?[8];  // DC tables 0-3, then AC tables 0-3
        Frame? frame = null;
        var restartInterval = 0;
        var scanned = new HashSet<int>();
        var i = 2;  // after SOI
        while (true)
        {
            // Bytes between segments are tolerated by libjpeg (it warns); skip them to the next marker.
            while (i < data.Length && data[i] != 0xFF) i++;
            while (i < data.Length && data[i] == 0xFF) i++;
            if (i >= data.Length) return;
            var marker = data[i++];
            if (marker is 0x01 or 0xD8 or (>= 0xD0 and <= 0xD7)) continue;  // markers without a segment
            if (marker == 0xD9) return;  // EOI
            if (i + 2 > data.Length) return;
            int length = BinaryPrimitives.ReadUInt16BigEndian(data[i..]);
            if (length < 2 || i + length > data.Length) return;  // the header reader and the decoder report these
            var segment = data.Slice(i + 2, length - 2);
            i += length;
            switch (marker)
            {
                case 0xC4:
                    if (!ReadHuffmanTables(segment, tables)) return;
                    break;
                case 0xDD:
                    if (segment.Length >= 2) restartInterval = BinaryPrimitives.ReadUInt16BigEndian(segment);
                    break;
                case 0xC0 or 0xC1:
                    frame = Frame.Read(segment);
                    if (frame is null) return;
                    break;
                case (>= 0xC2 and <= 0xCF) and not 0xC4 and not 0xC8 and not 0xCC:
                    return;  // progressive, lossless, hierarchical or arithmetic-coded: not checked
                case 0xDA:
                    if (frame is null) return;
                    var scan = Scan.Read(segment, frame, tables);
                    if (scan is null) return;  // missing tables, unknown components: the decoder reports these
                    i = CheckScan(data, i, frame, scan, restartInterval, source);
                    // The decoder reads no scan past the one that completes the last component; neither does this,
                    // so a file of thousands of repeated scans costs no more than one image.
                    foreach (var part in scan.Parts) scanned.Add(part.Component.Id);
                    if (scanned.Count >= frame.Components.Length) return;
                    break;
            }
        }
    }

    /// <summary>Walks one scan's entropy-coded data from <paramref name="start"/>; returns where the next marker starts.</summary>
    private static int CheckScan(ReadOnlySpan<byte> data, int start, Frame frame, Scan scan, int restartInterval, string source)
    {
        var bits = new BitReader(start);
        var total = scan.McuCount(frame);
        var groups = scan.BlocksPerMcu(frame).ToArray();
        for (var mcu = 0L; mcu < total; mcu++)
        {
            if (restartInterval > 0 && mcu > 0 && mcu % restartInterval == 0 && !bits.SkipRestartMarker(data))
                throw Incomplete(source, mcu, total);
            foreach (var (dc, ac, blocks) in groups)
            {
                for (var b = 0; b < blocks; b++)
                {
                    var result = SkipBlock(data, ref bits, dc, ac);
                    if (result == BlockResult.OutOfData) throw Incomplete(source, mcu, total);
                    if (result == BlockResult.BadCode)
                        throw new InvalidImageException(source, InvalidImageReason.Corrupt,
                            $"the JPEG scan data holds an invalid Huffman code in block group (MCU) {mcu + 1:N0} of {total:N0}.");
                }
            }
        }
        return bits.NextMarker(data);
    }

    private static InvalidImageException Incomplete(string source, long decoded, long total) =>
        new(source, InvalidImageReason.Corrupt,
            $"the JPEG scan data stops after {decoded:N0} of {total:N0} block groups (MCUs); the decoder would fill the rest with grey.");

    private enum BlockResult { Complete, OutOfData, BadCode }

    /// <summary>Reads past one 8 x 8 block: a DC difference, then AC run/size codes up to end-of-block or the 63rd.</summary>
    private static BlockResult SkipBlock(ReadOnlySpan<byte> data, ref BitReader bits, HuffmanTable dc, HuffmanTable ac)
    {
        var size = dc.Decode(data, ref bits);
        if (size < 0) return size == HuffmanTable.OutOfData ? BlockResult.OutOfData : BlockResult.BadCode;
        if (!bits.Skip(data, size & 0x1F)) return BlockResult.OutOfData;
        for (var k = 1; k < 64; k++)
        {
            var runSize = ac.Decode(data, ref bits);
            if (runSize < 0) return runSize == HuffmanTable.OutOfData ? BlockResult.OutOfData : BlockResult.BadCode;
            int run = runSize >> 4, bitCount = runSize & 0x0F;
            if (bitCount == 0)
            {
                if (run != 15) break;  // end of block
                k += 15;  // sixteen zeros
                continue;
            }
            k += run;
            if (!bits.Skip(data, bitCount)) return BlockResult.OutOfData;
        }
        return BlockResult.Complete;
    }

    private static bool ReadHuffmanTables(ReadOnlySpan<byte> segment, HuffmanTable?[] tables)
    {
        while (segment.Length >= 17)
        {
            int tableClass = segment[0] >> 4, id = segment[0] & 0x0F;
            if (tableClass > 1 || id > 3) return false;
            var counts = segment.Slice(1, 16);
            var symbolCount = 0;
            foreach (var count in counts) symbolCount += count;
            if (17 + symbolCount > segment.Length) return false;
            tables[tableClass * 4 + id] = new HuffmanTable(counts, segment.Slice(17, symbolCount));
            segment = segment[(17 + symbolCount)..];
        }
        return true;
    }

    /// <summary>The frame header (SOF0/SOF1): the image size and each component's sampling factors.</summary>
    private sealed record Frame(int Width, int Height, Component[] Components, int MaxH, int MaxV)
    {
        public static Frame? Read(ReadOnlySpan<byte> segment)
        {
            if (segment.Length < 6) return null;
            int height = BinaryPrimitives.ReadUInt16BigEndian(segment[1..]), width = BinaryPrimitives.ReadUInt16BigEndian(segment[3..]);
            int count = segment[5];
            if (width == 0 || height == 0 || count == 0 || segment.Length < 6 + 3 * count) return null;
            var components = new Component[count];
            for (var c = 0; c < count; c++)
            {
                var s = segment.Slice(6 + 3 * c, 3);
                components[c] = new Component(s[0], s[1] >> 4, s[1] & 0x0F);
                if (components[c].H is < 1 or > 4 || components[c].V is < 1 or > 4) return null;
            }
            return new Frame(width, height, components, components.Max(c => c.H), components.Max(c => c.V));
        }
    }

    private readonly record struct Component(int Id, int H, int V);

    /// <summary>A scan header (SOS): which components it codes, with which tables.</summary>
    private sealed record Scan((Component Component, HuffmanTable Dc, HuffmanTable Ac)[] Parts)
    {
        public static Scan? Read(ReadOnlySpan<byte> segment, Frame frame, HuffmanTable?[] tables)
        {
            if (segment.Length < 1) return null;
            int count = segment[0];
            if (count is < 1 or > 4 || segment.Length < 1 + 2 * count) return null;
            var parts = new (Component, HuffmanTable, HuffmanTable)[count];
            for (var p = 0; p < count; p++)
            {
                int id = segment[1 + 2 * p], selectors = segment[2 + 2 * p];
                var component = Array.FindIndex(frame.Components, c => c.Id == id);
                int dcId = selectors >> 4, acId = selectors & 0x0F;
                if (component < 0 || dcId > 3 || acId > 3) return null;
                // A missing table may be one of the standard tables libjpeg-turbo supplies (Motion JPEG): not checked.
                if (tables[dcId] is not { } dc || tables[4 + acId] is not { } ac) return null;
                parts[p] = (frame.Components[component], dc, ac);
            }
            return new Scan(parts);
        }

        /// <summary>
        /// Block groups in the scan: one block each for a single component (its own size, rounded up to whole blocks),
        /// else the interleaved MCUs covering the image at the largest sampling factors.
        /// </summary>
        public long McuCount(Frame frame)
        {
            if (Parts.Length == 1)
            {
                var c = Parts[0].Component;
                long width = Ceiling((long)frame.Width * c.H, frame.MaxH), height = Ceiling((long)frame.Height * c.V, frame.MaxV);
                return Ceiling(width, 8) * Ceiling(height, 8);
            }
            return Ceiling(frame.Width, 8L * frame.MaxH) * Ceiling(frame.Height, 8L * frame.MaxV);
        }

        public IEnumerable<(HuffmanTable Dc, HuffmanTable Ac, int Blocks)> BlocksPerMcu(Frame frame) =>
            Parts.Select(p => (p.Dc, p.Ac, Parts.Length == 1 ? 1 : p.Component.H * p.Component.V));

        private static long Ceiling(long value, long divisor) => (value + divisor - 1) / divisor;
    }

    /// <summary>A canonical Huffman table as JPEG defines it (code lengths 1 to 16).</summary>
    private sealed class HuffmanTable
    {
        public const int OutOfData = -1, BadCode = -2;

        private readonly int[] _maxCode = new int[17];
        private readonly int[] _offset = new int[17];
        private readonly byte[] _symbols;

        public HuffmanTable(ReadOnlySpan<byte> counts, ReadOnlySpan<byte> symbols)
        {
            _symbols = symbols.ToArray();
            int code = 0, index = 0;
            for (var length = 1; length <= 16; length++)
            {
                int count = counts[length - 1];
                _offset[length] = index - code;  // symbol index = code + offset for codes of this length
                code += count;
                index += count;
                _maxCode[length] = count == 0 ? -1 : code - 1;
                code <<= 1;
            }
        }

        /// <summary>The next symbol, <see cref="OutOfData"/> when the scan data ends first, or <see cref="BadCode"/>.</summary>
        public int Decode(ReadOnlySpan<byte> data, ref BitReader bits)
        {
            var code = 0;
            for (var length = 1; length <= 16; length++)
            {
                var bit = bits.ReadBit(data);
                if (bit < 0) return OutOfData;
                code = (code << 1) | bit;
                if (code <= _maxCode[length])
                {
                    var index = code + _offset[length];
                    return index < _symbols.Length ? _symbols[index] : BadCode;
                }
            }
            return BadCode;
        }
    }

    /// <summary>Reads entropy-coded bits MSB first, removing the 0x00 stuffed after each 0xFF; stops at a marker.</summary>
    private struct BitReader(int position)
    {
        private int _position = position;
        private int _byte;
        private int _bitsLeft;

        /// <summary>0 or 1, or -1 at a marker or the end of the data.</summary>
        public int ReadBit(ReadOnlySpan<byte> data)
        {
            if (_bitsLeft == 0)
            {
                if (_position >= data.Length) return -1;
                var value = data[_position];
                if (value == 0xFF)
                {
                    if (_position + 1 >= data.Length || data[_position + 1] != 0x00) return -1;  // a marker
                    _position++;
                }
                _position++;
                _byte = value;
                _bitsLeft = 8;
            }
            _bitsLeft--;
            return (_byte >> _bitsLeft) & 1;
        }

        public bool Skip(ReadOnlySpan<byte> data, int count)
        {
            for (var n = 0; n < count; n++)
                if (ReadBit(data) < 0) return false;
            return true;
        }

        /// <summary>Drops the padding bits and expects a restart marker (RST0-RST7) next, as the encoder must write.</summary>
        public bool SkipRestartMarker(ReadOnlySpan<byte> data)
        {
            _bitsLeft = 0;
            var marker = NextMarker(data);
            var i = marker;
            while (i < data.Length && data[i] == 0xFF) i++;
            if (i >= data.Length || data[i] is < 0xD0 or > 0xD7) return false;
            _position = i + 1;
            return true;
        }

        /// <summary>Where the next marker (0xFF not followed by 0x00) starts, at or after the read position.</summary>
        public readonly int NextMarker(ReadOnlySpan<byte> data)
        {
            var i = _position;
            while (i + 1 < data.Length && !(data[i] == 0xFF && data[i + 1] != 0x00)) i++;
            return i;
        }
    }
}
