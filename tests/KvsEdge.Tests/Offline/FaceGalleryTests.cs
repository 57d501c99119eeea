using KvsEdge.Offline;

namespace KvsEdge.Tests.Offline;

public sealed class FaceGalleryTests : IDisposable
{
    private const string ModelA = "55533b28aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    private const string ModelB = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("kvsedge-gallery-");

    private string GalleryPath => Path.Combine(_dir.FullName, FaceGallery.FileName);

    public void Dispose() => _dir.Delete(recursive: true);

    /// <summary>A unit vector along <paramref name="axis"/>, scaled: distances between such descriptors are easy to reason about.</summary>
    private static float[] Along(int axis, float length = 1f, int offAxis = -1, float off = 0f)
    {
        var d = new float[128];
        d[axis] = length;
        if (offAxis >= 0)
        {
            d[offAxis] = off;
        }

        return d;
    }

    private static FaceGallery Sample() => FaceGallery.Empty(ModelA)
        .WithPerson("alice", [Along(0), Along(0, 1f, 5, 0.1f)])
        .WithPerson("bob", [Along(1)])
        .WithPerson("Zoë", [Along(2), Along(2, 0.9f), Along(2, 1.1f)]);

    [Fact]
    public void Saved_gallery_loads_back_with_every_person_and_descriptor()
    {
        var gallery = Sample();
        gallery.Save(GalleryPath);

        var loaded = FaceGallery.Load(GalleryPath, ModelA.ToUpperInvariant());

        Assert.Equal(["Zoë", "alice", "bob"], loaded.People);
        Assert.Equal(6, loaded.DescriptorCount);
        Assert.Equal(ModelA, loaded.ModelSha256);
        foreach (string person in gallery.People)
        {
            Assert.Equal(gallery.DescriptorsOf(person), loaded.DescriptorsOf(person));
        }
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void Gallery_file_is_readable_only_by_its_owner_even_over_a_wider_file_or_a_stale_temp_file()
    {
        File.WriteAllText(GalleryPath, "old");
        File.SetUnixFileMode(GalleryPath, (UnixFileMode)0b110_100_100);
        File.WriteAllText(GalleryPath + ".tmp", "stale");
        File.SetUnixFileMode(GalleryPath + ".tmp", (UnixFileMode)0b110_100_100);

        Sample().Save(GalleryPath);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(GalleryPath));
        Assert.False(File.Exists(GalleryPath + ".tmp"));
    }

    [Fact]
    public void Truncated_gallery_is_refused_at_every_length_naming_the_file()
    {
        byte[] whole = Sample().Serialize();
        for (int length = 0; length < whole.Length; length += length < 80 ? 1 : 37)
        {
            File.WriteAllBytes(GalleryPath, whole[..length]);

            var e = Assert.Throws<FaceGalleryException>(() => FaceGallery.Load(GalleryPath, ModelA));

            Assert.Contains(GalleryPath, e.Message, StringComparison.Ordinal);
            Assert.True(
                e.Message.Contains("truncated", StringComparison.Ordinal) || e.Message.Contains("damaged", StringComparison.Ordinal)
                || (length < 8 && e.Message.Contains("not a KvsEdge face gallery", StringComparison.Ordinal)),
                $"{length} bytes: {e.Message}");
        }
    }

    [Fact]
    public void Gallery_cut_inside_the_descriptors_is_reported_as_truncated()
    {
        byte[] whole = Sample().Serialize();
        File.WriteAllBytes(GalleryPath, whole[..(whole.Length - 100)]);

        var e = Assert.Throws<FaceGalleryException>(() => FaceGallery.Load(GalleryPath, ModelA));

        Assert.Contains("truncated", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Gallery_with_one_changed_descriptor_byte_is_refused_as_damaged()
    {
        byte[] content = Sample().Serialize();
        content[content.Length - 32 - 7] ^= 0x01; // a low mantissa bit of the last descriptor: still a finite float

        File.WriteAllBytes(GalleryPath, content);
        var e = Assert.Throws<FaceGalleryException>(() => FaceGallery.Load(GalleryPath, ModelA));

        Assert.Contains(GalleryPath, e.Message, StringComparison.Ordinal);
        Assert.Contains("checksum does not match", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Gallery_of_another_embedder_model_is_refused()
    {
        Sample().Save(GalleryPath);

        var e = Assert.Throws<FaceGalleryException>(() => FaceGallery.Load(GalleryPath, ModelB));

        Assert.Contains(GalleryPath, e.Message, StringComparison.Ordinal);
        Assert.Contains("made with embedder model 55533b28aaaa", e.Message, StringComparison.Ordinal);
        Assert.Contains("loaded model is bbbbbbbbbbbb", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Gallery_of_another_format_version_or_not_a_gallery_is_refused()
    {
        byte[] content = Sample().Serialize();
        content[8] = 2;
        File.WriteAllBytes(GalleryPath, content);
        Assert.Contains("format version 2", Assert.Throws<FaceGalleryException>(() => FaceGallery.Load(GalleryPath, ModelA)).Message, StringComparison.Ordinal);

        File.WriteAllText(GalleryPath, "{\"alice\": [0.1, 0.2]}");
        Assert.Contains("not a KvsEdge face gallery", Assert.Throws<FaceGalleryException>(() => FaceGallery.Load(GalleryPath, ModelA)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_gallery_is_refused_naming_the_file()
    {
        var e = Assert.Throws<FaceGalleryException>(() => FaceGallery.Load(GalleryPath, ModelA));

        Assert.Contains(GalleryPath, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Lookup_names_the_nearest_person_below_their_threshold()
    {
        var match = Sample().FindNearest(Along(1, 1f, 7, 0.3f), _ => 0.6f);

        Assert.Equal(GalleryMatchOutcome.Match, match.Outcome);
        Assert.Equal("bob", match.Person);
        Assert.Equal(0.3f, match.Distance, 1e-6f);
    }

    [Fact]
    public void Lookup_uses_the_nearest_of_a_persons_descriptors()
    {
        var match = Sample().FindNearest(Along(2, 1.15f), _ => 0.6f);

        Assert.Equal("Zoë", match.Person);
        Assert.Equal(0.05f, match.Distance, 1e-6f);
    }

    [Fact]
    public void Distance_at_or_above_the_threshold_matches_nobody_but_reports_the_nearest()
    {
        var gallery = FaceGallery.Empty(ModelA).WithPerson("alice", [Along(0)]);

        var at = gallery.FindNearest(Along(0, 1.5f), _ => 0.5f);
        var above = gallery.FindNearest(Along(0, 1.7f), _ => 0.6f);

        Assert.Equal(GalleryMatchOutcome.NoMatch, at.Outcome);
        Assert.Null(at.Person);
        Assert.Equal("alice", at.Nearest);
        Assert.Equal(0.5f, at.Distance, 1e-6f);
        Assert.Equal(GalleryMatchOutcome.NoMatch, above.Outcome);
    }

    [Fact]
    public void Per_person_threshold_decides_for_that_person()
    {
        var query = Along(1, 1f, 7, 0.5f); // 0.5 from bob
        float Strict(string p) => p == "bob" ? 0.4f : 0.6f;

        Assert.Equal(GalleryMatchOutcome.NoMatch, Sample().FindNearest(query, Strict).Outcome);
        Assert.Equal("bob", Sample().FindNearest(query, _ => 0.6f).Person);
    }

    [Fact]
    public void Two_people_within_their_thresholds_are_ambiguous_and_match_nobody()
    {
        var gallery = FaceGallery.Empty(ModelA)
            .WithPerson("alice", [Along(0)])
            .WithPerson("twin", [Along(0, 1f, 3, 0.4f)]);

        var match = gallery.FindNearest(Along(0, 1f, 3, 0.15f), _ => 0.6f);

        Assert.Equal(GalleryMatchOutcome.Ambiguous, match.Outcome);
        Assert.Null(match.Person);
        Assert.Equal("alice", match.Nearest);
    }

    [Fact]
    public void Runner_up_with_a_wider_own_threshold_makes_the_lookup_ambiguous()
    {
        var gallery = FaceGallery.Empty(ModelA)
            .WithPerson("alice", [Along(0)])
            .WithPerson("wide", [Along(0, 1f, 3, 0.9f)]);

        // 0.2 from alice, 0.7 from "wide", whose own threshold is 0.8.
        var match = gallery.FindNearest(Along(0, 1f, 3, 0.2f), p => p == "wide" ? 0.8f : 0.6f);

        Assert.Equal(GalleryMatchOutcome.Ambiguous, match.Outcome);
    }

    [Fact]
    public void Non_finite_query_or_empty_gallery_matches_nobody()
    {
        var nan = Along(0);
        nan[9] = float.NaN;

        Assert.Equal(GalleryMatchOutcome.NoMatch, Sample().FindNearest(nan, _ => 100f).Outcome);
        Assert.Equal(GalleryMatchOutcome.NoMatch, FaceGallery.Empty(ModelA).FindNearest(Along(0), _ => 100f).Outcome);
    }

    [Fact]
    public void Enrolment_refuses_non_finite_or_wrong_length_descriptors()
    {
        var nan = Along(0);
        nan[1] = float.NaN;

        Assert.Throws<ArgumentException>(() => FaceGallery.Empty(ModelA).WithPerson("alice", [nan]));
        Assert.Throws<ArgumentException>(() => FaceGallery.Empty(ModelA).WithPerson("alice", [new float[64]]));
        Assert.Throws<ArgumentException>(() => FaceGallery.Empty(ModelA).WithPerson("alice", []));
    }

    [Fact]
    public void Removing_a_person_removes_only_their_descriptors_and_replacing_does_not_duplicate()
    {
        var gallery = Sample().WithoutPerson("bob").WithPerson("alice", [Along(4)]);

        Assert.Equal(["Zoë", "alice"], gallery.People);
        Assert.Equal([Along(4)], gallery.DescriptorsOf("alice"));
        Assert.Equal(GalleryMatchOutcome.NoMatch, gallery.FindNearest(Along(1), _ => 0.6f).Outcome);
    }
}
