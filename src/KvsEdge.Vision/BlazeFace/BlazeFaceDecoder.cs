using KvsEdge.Vision.Detection;

namespace KvsEdge.Vision.BlazeFace;

/// <summary>A decoded candidate in model-input coordinates normalised to [0, 1]: centre, size, 6 keypoints.</summary>
internal struct Candidate
{
    public float Score;
    public float CenterX, CenterY, Width, Height;
    public Keypoints Points;

    public readonly float IntersectionOverUnion(in Candidate other) =>
        new BoxF(CenterX - (Width / 2), CenterY - (Height / 2), Width, Height)
            .IntersectionOverUnion(new BoxF(other.CenterX - (other.Width / 2), other.CenterY - (other.Height / 2), other.Width, other.Height));

    [System.Runtime.CompilerServices.InlineArray(12)]
    public struct Keypoints
    {
        private float _element0;
    }
}

/// <summary>
/// BlazeFace's post-processing, as MediaPipe's TensorsToDetectionsCalculator and NonMaxSuppressionCalculator configure
/// it for this model: raw scores clipped to ±100 then a sigmoid; boxes and keypoints as offsets from the anchor centre
/// in input pixels (x, y, w, h, then 6 × (x, y)); weighted non-max suppression at IoU 0.3 (MediaPipe's WEIGHTED: a
/// cluster's box and keypoints are the score-weighted mean of its members, its score the best member's). Weighted
/// rather than plain NMS because BlazeFace fires several neighbouring anchors for one face and their mean is steadier
/// from frame to frame, which the tracker and the crops downstream want.
/// </summary>
internal sealed class BlazeFaceDecoder(int inputSize)
{
    public const float SuppressionIoU = 0.3f;
    private const float ScoreClip = 100f;
    private const int ValuesPerAnchor = 16;

    private readonly (float X, float Y)[] _anchors = BlazeFaceAnchors.Create(inputSize);
    private readonly float _scale = 1f / inputSize;
    private readonly List<Candidate> _candidates = new(32);
    private readonly List<Candidate> _kept = new(8);

    /// <summary>
    /// Candidates at or above <paramref name="minScore"/> after suppression, best first. <paramref name="scores"/> hold
    /// the two grids' raw logits (512 then 384), <paramref name="boxes"/> their 16 values an anchor.
    /// The list returned is reused by the next call.
    /// </summary>
    public List<Candidate> Decode(ReadOnlySpan<float> scores1, ReadOnlySpan<float> boxes1, ReadOnlySpan<float> scores2, ReadOnlySpan<float> boxes2, float minScore)
    {
        _candidates.Clear();
        Collect(scores1, boxes1, 0, minScore);
        Collect(scores2, boxes2, BlazeFaceAnchors.FirstGridAnchors, minScore);
        _candidates.Sort(static (a, b) => b.Score.CompareTo(a.Score));
        SuppressWeighted();
        return _kept;
    }

    private void Collect(ReadOnlySpan<float> scores, ReadOnlySpan<float> boxes, int firstAnchor, float minScore)
    {
        for (int i = 0; i < scores.Length; i++)
        {
            float score = Sigmoid(Math.Clamp(scores[i], -ScoreClip, ScoreClip));
            if (score < minScore)
            {
                continue;
            }

            (float ax, float ay) = _anchors[firstAnchor + i];
            ReadOnlySpan<float> raw = boxes.Slice(i * ValuesPerAnchor, ValuesPerAnchor);
            var c = new Candidate
            {
                Score = score,
                CenterX = ax + (raw[0] * _scale),
                CenterY = ay + (raw[1] * _scale),
                Width = raw[2] * _scale,
                Height = raw[3] * _scale,
            };
            for (int k = 0; k < 6; k++)
            {
                c.Points[2 * k] = ax + (raw[4 + (2 * k)] * _scale);
                c.Points[(2 * k) + 1] = ay + (raw[5 + (2 * k)] * _scale);
            }

            if (c.Width > 0 && c.Height > 0)
            {
                _candidates.Add(c);
            }
        }
    }

    private void SuppressWeighted()
    {
        _kept.Clear();
        Span<bool> taken = _candidates.Count <= 1024 ? stackalloc bool[_candidates.Count] : new bool[_candidates.Count];
        Span<float> points = stackalloc float[12];
        for (int i = 0; i < _candidates.Count; i++)
        {
            if (taken[i])
            {
                continue;
            }

            Candidate best = _candidates[i];
            float weight = best.Score;
            float cx = best.CenterX * weight, cy = best.CenterY * weight, w = best.Width * weight, h = best.Height * weight;
            for (int k = 0; k < 12; k++)
            {
                points[k] = best.Points[k] * weight;
            }

            for (int j = i + 1; j < _candidates.Count; j++)
            {
                if (taken[j] || best.IntersectionOverUnion(_candidates[j]) <= SuppressionIoU)
                {
                    continue;
                }

                taken[j] = true;
                Candidate other = _candidates[j];
                weight += other.Score;
                cx += other.CenterX * other.Score;
                cy += other.CenterY * other.Score;
                w += other.Width * other.Score;
                h += other.Height * other.Score;
                for (int k = 0; k < 12; k++)
                {
                    points[k] += other.Points[k] * other.Score;
                }
            }

            var merged = new Candidate { Score = best.Score, CenterX = cx / weight, CenterY = cy / weight, Width = w / weight, Height = h / weight };
            for (int k = 0; k < 12; k++)
            {
                merged.Points[k] = points[k] / weight;
            }

            _kept.Add(merged);
        }
    }

    private static float Sigmoid(float x) => 1f / (1f + MathF.Exp(-x));
}
