namespace Deckhand.V0.Conversations;

/// <summary>
/// The first message of a conversation started from a suggested task (V0 spec §1.3 step 1), one template per task
/// type. Deckhand's own wording; null for task types that have no template (the create answers 422).
/// </summary>
public static class SuggestedTaskPrompts
{
    public static string? Render(SuggestedTask task)
    {
        var (item, change) = task.GitProvider == "gitlab" ? ("issue", "merge request") : ("issue", "pull request");
        var where = $"repository {task.Repo}";
        return task.TaskType switch
        {
            "MERGE_CONFLICTS" =>
                $"The {change} #{task.IssueNumber} (\"{task.Title}\") in {where} cannot be merged because of conflicts. Check out its branch, "
                + "bring in the target branch, resolve every conflict so both sides' intent is kept, make sure the project still builds and its tests pass, "
                + "then push the result to the same branch.",
            "FAILING_CHECKS" =>
                $"The checks of {change} #{task.IssueNumber} (\"{task.Title}\") in {where} are failing. Check out its branch, find out which checks "
                + "fail and why (reproduce them locally where you can), fix the cause rather than the symptom, and push the fix to the same branch.",
            "UNRESOLVED_COMMENTS" =>
                $"Reviewers left comments on {change} #{task.IssueNumber} (\"{task.Title}\") in {where} that are not resolved yet. Check out its "
                + "branch, read every open review comment, address each one with a change (or a short reply when no change is right), and push to the same branch.",
            "OPEN_ISSUE" =>
                $"Work on {item} #{task.IssueNumber} (\"{task.Title}\") in {where}. Read the {item} and its discussion, make the change it asks for "
                + $"on a new branch with tests where they make sense, push the branch and open a {change} that refers to the {item}.",
            _ => null,
        };
    }
}
