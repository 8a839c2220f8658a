namespace Cirrus.Api;

/// <summary>An error answered as {code, message} with a 4xx status; nothing else reaches the client.</summary>
public sealed class ApiError(int code, string message) : Exception(message)
{
    public int Code { get; } = code;

    public static ApiError BadRequest(string message) => new(400, message);
    public static ApiError NotFound(string message) => new(404, message);
}
