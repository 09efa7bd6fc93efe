"""What comes in: the brief, a conversation's brief, the persona and the knowledge base, and where they live."""
