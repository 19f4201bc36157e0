using Microsoft.AspNetCore.Diagnostics;
using Microsoft.Extensions.Options;
using Malaria.Web.Options;

namespace Malaria.Web.Problems;

/// <summary>Writes <see cref="ProblemMapping"/>'s problem for an exception a handler let through.</summary>
internal sealed class ProblemExceptionHandler(IProblemDetailsService problems, IOptions<WebLimits> limits, ILogger<ProblemExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        var problem = ProblemMapping.ToProblem(exception);
        if (problem is null)
        {
            if (exception is OperationCanceledException && context.RequestAborted.IsCancellationRequested) return true;  // the client left
            logger.LogError(exception, "Unhandled error on {Method} {Path}", context.Request.Method, context.Request.Path);
            return false;  // the default 500 problem, without the exception's text
        }
        var status = problem.Status ?? StatusCodes.Status500InternalServerError;
        logger.LogInformation("{Method} {Path} refused with {Status}: {Detail}", context.Request.Method, context.Request.Path, status, problem.Detail);
        context.Response.StatusCode = status;
        if (status == StatusCodes.Status429TooManyRequests)
            context.Response.Headers.RetryAfter = limits.Value.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = problem, Exception = exception });
    }
}
