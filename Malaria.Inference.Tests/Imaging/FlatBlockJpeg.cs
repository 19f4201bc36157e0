using System.Buffers.Binary;

namespace Malaria.Inference.Tests.Imaging;

/// <summary>
/// A minimal baseline JPEG writer for grey images made of flat 8 x 8 blocks, with restart markers every few blocks:
/// SkiaSharp's encoder never writes restart intervals, and cameras do. Flat blocks with a quantisation table of ones
/// decode exactly (DC only), so a test can check every block's value, not just that decoding succeeded.
/// </summary>
internal static class FlatBlockJpeg
{
    /// <summary>Encodes blocks (row-major, <paramref name="blocksWide"/> a row) with a restart every <paramref name="restartInterval"/> blocks.</summary>
    public static byte[] Encode(byte[] blockValues, int blocksWide, int restartInterval)
    {
        var blocksHigh = blockValues.Length / blocksWide;
        var jpeg = new MemoryStream();
        jpeg.Write([0xFF, 0xD8]);
        Segment(jpeg, 0xDB, [0x00, .. Enumerable.Repeat((byte)1, 64)]);  // quantisation table 0: all ones
        var frame = new byte[9];
        frame[0] = 8;
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(1), (ushort)(blocksHigh * 8));
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(3), (ushort)(blocksWide * 8));
        frame[5] = 1; frame[6] = 1; frame[7] = 0x11; frame[8] = 0;  // one component: id 1, 1 x 1 sampling, table 0
        Segment(jpeg, 0xC0, frame);
        // DC table 0: the size categories 1 to 11 and then 0 get codes of length 1 to 12 ("0", "10", ... and
        // "111111111110" for no change), so the data holds 0xFF bytes that must be stuffed. AC table 0: only
        // end-of-block, code "0".
        Segment(jpeg, 0xC4, [0x00, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0]);
        Segment(jpeg, 0xC4, [0x10, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x00]);
        Segment(jpeg, 0xDD, [(byte)(restartInterval >> 8), (byte)restartInterval]);
        Segment(jpeg, 0xDA, [1, 1, 0x00, 0, 63, 0]);

        var bits = new BitWriter(jpeg);
        var previous = 0;
        for (var b = 0; b < blockValues.Length; b++)
        {
            if (b > 0 && b % restartInterval == 0)
            {
                bits.PadToByte();
                jpeg.Write([0xFF, (byte)(0xD0 + (b / restartInterval - 1) % 8)]);
                previous = 0;  // the DC prediction restarts too
            }
            var dc = (blockValues[b] - 128) * 8;  // the DC coefficient of a flat block, quantised by 1
            var difference = dc - previous;
            previous = dc;
            var size = difference == 0 ? 0 : 32 - int.LeadingZeroCount(Math.Abs(difference));
            var codeLength = size == 0 ? 12 : size;
            bits.Write((1 << codeLength) - 2, codeLength);  // the size's code: codeLength - 1 ones, then a zero
            bits.Write(difference < 0 ? difference - 1 : difference, size);  // negative values as one's complement
            bits.Write(0, 1);  // end of block
        }
        bits.PadToByte();
        jpeg.Write([0xFF, 0xD9]);
        return jpeg.ToArray();
    }

    private static void Segment(Stream jpeg, byte marker, byte[] body)
    {
        jpeg.Write([0xFF, marker, (byte)((body.Length + 2) >> 8), (byte)(body.Length + 2)]);
        jpeg.Write(body);
    }

    /// <summary>Writes bits MSB first, with a 0x00 stuffed after every 0xFF data byte.</summary>
    private sealed class BitWriter(Stream output)
    {
        private int _byte, _count;

        public void Write(int value, int count)
        {
            for (var i = count - 1; i >= 0; i--)
            {
                _byte = (_byte << 1) | ((value >> i) & 1);
                if (++_count == 8) Flush();
            }
        }

        /// <summary>Fills the last byte with ones, as the standard asks before a marker.</summary>
        public void PadToByte()
        {
            while (_count != 0) Write(1, 1);
        }

        private void Flush()
        {
            output.WriteByte((byte)_byte);
            if (_byte == 0xFF) output.WriteByte(0x00);
            _byte = 0;
            _count = 0;
        }
    }
}
