using System.Net;
using System.Text;
using Amazon.Runtime;
using KvsEdge.Aws;
using KvsEdge.Aws.Iam;

namespace KvsEdge.Tests.Aws.Iam;

internal static class IamTestSupport
{
    public const string Namespace = "https://iam.amazonaws.com/doc/2010-05-08/";

    public static IamClient Client(
        RecordingHandler handler,
        string? region = "eu-west-1",
        Uri? serviceUrl = null,
        AWSCredentials? credentials = null) =>
        new(new AwsClientOptions
        {
            Region = region,
            ServiceUrl = serviceUrl,
            Credentials = credentials ?? new BasicAWSCredentials(AwsTestClients.AccessKeyId, AwsTestClients.SecretKey),
        }, handler);

    public static RecordingHandler RespondXml(
        this RecordingHandler handler,
        string xml,
        HttpStatusCode status = HttpStatusCode.OK,
        params (string Name, string Value)[] headers) =>
        handler.Respond(() =>
        {
            var response = new HttpResponseMessage(status) { Content = new StringContent(xml, Encoding.UTF8, "text/xml") };
            foreach (var (name, value) in headers)
            {
                response.Headers.TryAddWithoutValidation(name, value);
            }

            return response;
        });

    /// <summary>A successful answer with an empty result, like DeleteRole's.</summary>
    public static RecordingHandler RespondEmpty(this RecordingHandler handler, string operation) =>
        handler.RespondXml($"""
            <{operation}Response xmlns="{Namespace}">
              <ResponseMetadata><RequestId>00000000-0000-0000-0000-000000000000</RequestId></ResponseMetadata>
            </{operation}Response>
            """);

    /// <summary>The form fields in wire order, names and values percent-decoded.</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> Form(this RecordedRequest request) =>
        [.. request.Body.Split('&').Select(pair =>
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            return new KeyValuePair<string, string>(Uri.UnescapeDataString(pair[..eq]), Uri.UnescapeDataString(pair[(eq + 1)..]));
        })];

    public static string Error(string code, string message, string requestId = "req-err-1") => $"""
        <ErrorResponse xmlns="{Namespace}">
          <Error>
            <Type>Sender</Type>
            <Code>{code}</Code>
            <Message>{message}</Message>
          </Error>
          <RequestId>{requestId}</RequestId>
        </ErrorResponse>
        """;

    public const string RoleXml = """
        <GetRoleResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">
          <GetRoleResult>
            <Role>
              <Path>/</Path>
              <Arn>arn:aws:iam::123456789012:role/r</Arn>
              <RoleName>r</RoleName>
              <AssumeRolePolicyDocument>%7B%7D</AssumeRolePolicyDocument>
              <CreateDate>2012-05-08T23:34:01Z</CreateDate>
              <RoleId>AROADBQP57FF2AEXAMPLE</RoleId>
            </Role>
          </GetRoleResult>
        </GetRoleResponse>
        """;
}
