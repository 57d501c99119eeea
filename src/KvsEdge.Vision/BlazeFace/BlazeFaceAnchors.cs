namespace KvsEdge.Vision.BlazeFace;

/// <summary>
/// The SSD anchors of MediaPipe's SsdAnchorsCalculator for BlazeFace: fixed_anchor_size (every anchor 1×1, so only its
/// centre matters), anchor_offset 0.5, aspect ratio 1 plus the interpolated scale. The 256 "back" model uses strides
/// 16, 32, 32, 32 and the 128 "front" model 8, 16, 16, 16; layers with the same stride share one grid, which gives
/// 2 anchors a cell on a 16×16 grid (512) then 6 a cell on an 8×8 grid (384): 896, in the model's output order
/// (row, column, anchor). Centres are in [0, 1] of the model input.
/// </summary>
internal static class BlazeFaceAnchors
{
    public const int FirstGridAnchors = 512, SecondGridAnchors = 384, Count = FirstGridAnchors + SecondGridAnchors;

    public static (float X, float Y)[] Create(int inputSize)
    {
        if (inputSize % 16 != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(inputSize), inputSize, "BlazeFace's input is a multiple of 16.");
        }

        var anchors = new (float X, float Y)[Count];
        int i = 0;
        foreach ((int cells, int perCell) in (ReadOnlySpan<(int, int)>)[(16, 2), (8, 6)])
        {
            for (int y = 0; y < cells; y++)
            {
                for (int x = 0; x < cells; x++)
                {
                    for (int a = 0; a < perCell; a++)
                    {
                        anchors[i++] = ((x + 0.5f) / cells, (y + 0.5f) / cells);
                    }
                }
            }
        }

        return anchors;
    }
}
