using System.Runtime.CompilerServices;

namespace Deckhand.Engine.Llm;

/// <summary>Enumerates a provider SDK's stream, turning its exceptions into <see cref="LlmException"/>s as they surface.</summary>
internal static class ProviderStream
{
    public static async IAsyncEnumerable<T> MapErrors<T>(IAsyncEnumerable<T> stream, Func<Exception, LlmException> mapError,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var enumerator = stream.GetAsyncEnumerator(cancellationToken);
        while (true)
        {
            try
            {
                if (!await enumerator.MoveNextAsync())
                    yield break;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                throw mapError(ex);
            }
            yield return enumerator.Current;
        }
    }
}
