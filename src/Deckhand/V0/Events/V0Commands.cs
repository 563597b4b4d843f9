namespace Deckhand.V0.Events;

/// <summary>What a V0 client asked for with <c>oh_user_action</c> / <c>oh_action</c> (spec §3.4, §4.4).</summary>
public abstract record V0Command;

/// <summary>A user message (<c>action: message</c>). The client's <c>timestamp</c> is dropped: the log stamps events itself.</summary>
public sealed record V0SendMessage(string Content, IReadOnlyList<string> ImageUrls, IReadOnlyList<string> FileUrls) : V0Command;

/// <summary><c>change_agent_state stopped</c>: the chat's stop button; interrupts the agent.</summary>
public sealed record V0StopAgent : V0Command;

/// <summary><c>change_agent_state paused</c>: pause at the next step boundary.</summary>
public sealed record V0PauseAgent : V0Command;

/// <summary><c>change_agent_state running</c>: resume the agent.</summary>
public sealed record V0ResumeAgent : V0Command;

/// <summary><c>change_agent_state user_confirmed</c> or <c>user_rejected</c>: the answer to a pending confirmation.</summary>
public sealed record V0ConfirmationAnswer(bool Confirmed) : V0Command;

/// <summary>A parsed client payload: a command, or why the payload was refused (text fit for <c>{"error":true,"message":..}</c>).</summary>
public sealed record V0ParseResult(V0Command? Command, string? Error)
{
    public static V0ParseResult Ok(V0Command command) => new(command, null);

    public static V0ParseResult Fail(string error) => new(null, error);
}
