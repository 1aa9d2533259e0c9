//! Visma eAccounting API v2 client. (The helper building issue 3 fills it in.)
